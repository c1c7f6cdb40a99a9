using System.Globalization;

namespace Sysmon.Ingest.Ecs;

/// <summary>Parsing and formatting of the times Sysmon and Windows write.</summary>
/// <remarks>
/// Every event has two or three of these, so the common shapes (fixed-width digits, UTC) are read and written by
/// position; anything else goes to the framework's parser, which decides. The fast paths only accept what that
/// parser accepts and produce the same value (checked in <c>SysmonTimeTests</c>).
/// </remarks>
public static class SysmonTime
{
    private static readonly string[] UtcTimeFormats =
        ["yyyy-MM-dd HH:mm:ss.fff", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF"];

    /// <summary>Sysmon's <c>UtcTime</c> (<c>yyyy-MM-dd HH:mm:ss.fff</c>, UTC without a zone designator).</summary>
    public static bool TryParseUtcTime(string? text, out DateTimeOffset value)
    {
        if (text is not null && TryParseFixed(text, allowT: false, allowZ: false, maxFraction: 7, out var ticks))
        {
            value = new DateTimeOffset(ticks, TimeSpan.Zero);
            return true;
        }
        if (text is not null && DateTime.TryParseExact(text.Trim(), UtcTimeFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dt))
        {
            value = new DateTimeOffset(dt, TimeSpan.Zero);
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>System/TimeCreated: ISO-8601 UTC with up to 9 fractional digits, or with a space instead of 'T'.</summary>
    public static bool TryParseSystemTime(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        if (TryParseFixed(text, allowT: true, allowZ: true, maxFraction: 9, out var ticks))
        {
            value = new DateTimeOffset(ticks, TimeSpan.Zero);
            return true;
        }
        var s = text.Trim();
        // .NET keeps 7 fractional digits; Windows and Linux Sysmon may write 9.
        var dot = s.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < s.Length && char.IsAsciiDigit(s[end])) end++;
            if (end - dot - 1 > 7) s = string.Concat(s.AsSpan(0, dot + 8), s.AsSpan(end));
        }
        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value))
        {
            return false;
        }
        value = value.ToUniversalTime();
        return true;
    }

    /// <summary>Sysmon's own <c>UtcTime</c> text (<c>yyyy-MM-dd HH:mm:ss.fff</c>), for EventData written or given back.</summary>
    public static string FormatUtcTime(DateTime utc) => utc.ToString(UtcTimeFormats[0], CultureInfo.InvariantCulture);

    /// <summary>ECS @timestamp text: millisecond precision, UTC, 'Z'.</summary>
    public static string FormatMillis(DateTimeOffset t) =>
        string.Create(24, t.UtcTicks, static (span, ticks) => WriteIso(span, ticks, fractionDigits: 3));

    /// <summary>Full precision (100 ns) ISO-8601 UTC text.</summary>
    public static string FormatTicks(DateTimeOffset t) =>
        string.Create(28, t.UtcTicks, static (span, ticks) => WriteIso(span, ticks, fractionDigits: 7));

    /// <summary>
    /// <c>yyyy-MM-dd HH:mm:ss</c> (or with 'T' when <paramref name="allowT"/>), then optionally '.' and 1 to
    /// <paramref name="maxFraction"/> digits (those past the seventh dropped, as the slow path does), then optionally
    /// 'Z' when <paramref name="allowZ"/>. False for anything else, including values out of range.
    /// </summary>
    private static bool TryParseFixed(ReadOnlySpan<char> s, bool allowT, bool allowZ, int maxFraction, out long ticks)
    {
        ticks = 0;
        if (s.Length < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':') return false;
        if (s[10] != ' ' && !(allowT && s[10] == 'T')) return false;
        if (!TwoDigits(s, 0, out var yearHigh) || !TwoDigits(s, 2, out var yearLow) || !TwoDigits(s, 5, out var month) ||
            !TwoDigits(s, 8, out var day) || !TwoDigits(s, 11, out var hour) || !TwoDigits(s, 14, out var minute) ||
            !TwoDigits(s, 17, out var second))
        {
            return false;
        }
        var year = yearHigh * 100 + yearLow;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) ||
            hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        var i = 19;
        long fraction = 0;
        if (i < s.Length && s[i] == '.')
        {
            var digits = 0;
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                if (digits < 7) fraction = fraction * 10 + (s[i] - '0');
                digits++;
                i++;
            }
            if (digits == 0 || digits > maxFraction) return false;
            for (var d = Math.Min(digits, 7); d < 7; d++) fraction *= 10;
        }
        if (allowZ && i < s.Length && s[i] == 'Z') i++;
        if (i != s.Length) return false;
        ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks + fraction;
        return true;
    }

    private static bool TwoDigits(ReadOnlySpan<char> s, int at, out int value)
    {
        uint high = (uint)(s[at] - '0'), low = (uint)(s[at + 1] - '0');
        value = (int)(high * 10 + low);
        return high <= 9 && low <= 9;
    }

    /// <summary><c>yyyy-MM-ddTHH:mm:ss.</c> and <paramref name="fractionDigits"/> digits (truncated), then 'Z'.</summary>
    private static void WriteIso(Span<char> span, long ticks, int fractionDigits)
    {
        var t = new DateTime(ticks, DateTimeKind.Utc);
        WriteDigits(span[..4], t.Year);
        span[4] = '-';
        WriteDigits(span.Slice(5, 2), t.Month);
        span[7] = '-';
        WriteDigits(span.Slice(8, 2), t.Day);
        span[10] = 'T';
        WriteDigits(span.Slice(11, 2), t.Hour);
        span[13] = ':';
        WriteDigits(span.Slice(14, 2), t.Minute);
        span[16] = ':';
        WriteDigits(span.Slice(17, 2), t.Second);
        span[19] = '.';
        var fraction = (int)(ticks % TimeSpan.TicksPerSecond);
        for (var d = fractionDigits; d < 7; d++) fraction /= 10;
        WriteDigits(span.Slice(20, fractionDigits), fraction);
        span[20 + fractionDigits] = 'Z';
    }

    private static void WriteDigits(Span<char> span, int value)
    {
        for (var i = span.Length - 1; i >= 0; i--)
        {
            span[i] = (char)('0' + value % 10);
            value /= 10;
        }
    }
}
