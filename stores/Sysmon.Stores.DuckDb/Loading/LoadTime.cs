using System.Globalization;

namespace Sysmon.Stores.DuckDb.Loading;

/// <summary>
/// @timestamp on its way into a load line: read from the ECS text (the mapper always writes
/// <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, read here without the general parser; anything else ISO-8601 goes through it)
/// and written as DuckDB's own TIMESTAMP text (UTC, microseconds, no offset to interpret).
/// </summary>
internal static class LoadTime
{
    public const int MaxLength = 26; // yyyy-MM-dd HH:mm:ss.ffffff

    public static bool TryParse(string text, out DateTime utc)
    {
        if (TryParseMillisUtc(text, out utc)) return true;
        var ok = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed);
        utc = ok ? parsed.UtcDateTime : default;
        return ok;
    }

    private static bool TryParseMillisUtc(string s, out DateTime utc)
    {
        utc = default;
        if (s.Length != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[23] != 'Z')
        {
            return false;
        }
        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day) ||
            !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second) ||
            !Digits(s, 20, 3, out var millis))
        {
            return false;
        }
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false; // the general parser decides (and refuses)
        }
        utc = new DateTime(year, month, day, hour, minute, second, millis, DateTimeKind.Utc);
        return true;
    }

    private static bool Digits(string s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var d = s[i] - '0';
            if ((uint)d > 9) return false;
            value = value * 10 + d;
        }
        return true;
    }

    /// <summary>Writes <paramref name="utc"/> as <c>yyyy-MM-dd HH:mm:ss.ffffff</c>; the number of bytes written.</summary>
    public static int Format(DateTime utc, Span<byte> into)
    {
        // .NET's sortable "s" form (yyyy-MM-ddTHH:mm:ss) has a fast path, unlike a custom format; then the
        // space DuckDB writes and the microseconds.
        utc.TryFormat(into, out _, "s", CultureInfo.InvariantCulture);
        into[10] = (byte)' ';
        into[19] = (byte)'.';
        var micros = (int)(utc.Ticks % TimeSpan.TicksPerSecond / 10);
        for (var i = MaxLength - 1; i > 19; i--, micros /= 10) into[i] = (byte)('0' + micros % 10);
        return MaxLength;
    }
}
