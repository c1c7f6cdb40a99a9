using System.Globalization;

namespace Sysmon.Ingest.Ecs;

/// <summary>Parsing and formatting of the times Sysmon and Windows write.</summary>
public static class SysmonTime
{
    private static readonly string[] UtcTimeFormats =
        ["yyyy-MM-dd HH:mm:ss.fff", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF"];

    /// <summary>Sysmon's <c>UtcTime</c> (<c>yyyy-MM-dd HH:mm:ss.fff</c>, UTC without a zone designator).</summary>
    public static bool TryParseUtcTime(string? text, out DateTimeOffset value)
    {
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

    /// <summary>ECS @timestamp text: millisecond precision, UTC, 'Z'.</summary>
    public static string FormatMillis(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Full precision (100 ns) ISO-8601 UTC text.</summary>
    public static string FormatTicks(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
