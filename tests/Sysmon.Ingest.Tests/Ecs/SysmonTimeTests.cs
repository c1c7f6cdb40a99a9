using System.Globalization;
using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Xunit;

namespace Sysmon.Ingest.Tests.Ecs;

/// <summary>
/// SysmonTime reads and writes the common shapes by position. Every answer must be the framework's answer: the
/// references below are the framework calls the project used before, run on the same inputs.
/// </summary>
public sealed class SysmonTimeTests
{
    private static readonly string[] UtcTimeFormats =
        ["yyyy-MM-dd HH:mm:ss.fff", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF"];

    private static DateTimeOffset? ReferenceUtcTime(string text) =>
        DateTime.TryParseExact(text.Trim(), UtcTimeFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dt)
            ? new DateTimeOffset(dt, TimeSpan.Zero)
            : null;

    private static DateTimeOffset? ReferenceSystemTime(string text)
    {
        var s = text.Trim();
        var dot = s.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < s.Length && char.IsAsciiDigit(s[end])) end++;
            if (end - dot - 1 > 7) s = string.Concat(s.AsSpan(0, dot + 8), s.AsSpan(end));
        }
        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var v) ? v.ToUniversalTime() : null;
    }

    public static TheoryData<string> Shapes() =>
    [
        "2024-03-05 14:07:09.123", "2024-03-05 14:07:09", "2024-03-05 14:07:09.1", "2024-03-05 14:07:09.1234567",
        "2024-03-05T14:07:09.123Z", "2024-03-05T14:07:09.123456789Z", "2024-03-05T14:07:09Z", "2024-03-05T14:07:09.1234567",
        "2024-03-05 14:07:09.123Z", "2024-02-29 23:59:59.999", "2023-02-29 10:00:00.000", "2024-13-01 10:00:00.000",
        "2024-12-31 24:00:00.000", "2024-12-31 23:60:00.000", "2024-12-31 23:59:60.000", "0000-01-01 00:00:00.000",
        "0001-01-01 00:00:00.000", "9999-12-31 23:59:59.9999999", " 2024-03-05 14:07:09.123 ", "2024-03-05 14:07:09.",
        "2024-03-05 14:07:09.12345678", "2024-03-05 14:07:09.1234567890123", "2024-03-05T14:07:09+02:00",
        "2024-03-05T14:07:09.5-05:30", "2024-3-5 14:07:09", "2024-03-05 4:07:09", "2024/03/05 14:07:09",
        "2024-03-05 14:07:09.123x", "2024-03-05X14:07:09", "2024-03-05 14:07:0a", "abcd-ef-gh ij:kl:mn", "",
        "2024-03-05", "2024-03-05 14:07:09.-12", "\u0661\u0662\u0663\u0664-03-05 14:07:09",
    ];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void UtcTime_is_read_as_the_framework_reads_it(string text)
    {
        var parsed = SysmonTime.TryParseUtcTime(text, out var value);
        var reference = ReferenceUtcTime(text);
        parsed.Should().Be(reference is not null);
        if (parsed)
        {
            value.Should().Be(reference!.Value);
            value.Offset.Should().Be(TimeSpan.Zero);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SystemTime_is_read_as_the_framework_reads_it(string text)
    {
        var parsed = SysmonTime.TryParseSystemTime(text, out var value);
        var reference = string.IsNullOrWhiteSpace(text) ? null : ReferenceSystemTime(text);
        parsed.Should().Be(reference is not null);
        if (parsed)
        {
            value.UtcTicks.Should().Be(reference!.Value.UtcTicks);
            value.Offset.Should().Be(TimeSpan.Zero);
        }
    }

    [Fact]
    public void Random_times_format_and_read_back_as_the_framework_does()
    {
        var random = new Random(20261205);
        var max = DateTime.MaxValue.Ticks;
        for (var i = 0; i < 20_000; i++)
        {
            var ticks = i < 4 ? new[] { 0L, max, 1L, max - 1 }[i] : random.NextInt64(0, max);
            var t = new DateTimeOffset(ticks, TimeSpan.Zero);
            var millis = SysmonTime.FormatMillis(t);
            var full = SysmonTime.FormatTicks(t);
            millis.Should().Be(t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            full.Should().Be(t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));

            SysmonTime.TryParseSystemTime(full, out var back).Should().BeTrue();
            back.UtcTicks.Should().Be(ticks);
            var sysmon = t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
            SysmonTime.TryParseUtcTime(sysmon, out var utc).Should().BeTrue();
            utc.Should().Be(ReferenceUtcTime(sysmon)!.Value);
        }
    }

    [Fact]
    public void Nine_fractional_digits_are_cut_to_the_seventh_not_rounded()
    {
        SysmonTime.TryParseSystemTime("2024-03-05T14:07:09.123456789Z", out var value).Should().BeTrue();
        SysmonTime.FormatTicks(value).Should().Be("2024-03-05T14:07:09.1234567Z");
    }
}
