using System.Globalization;
using System.Text;
using FluentAssertions;
using Sysmon.Queries;
using Sysmon.Stores.DuckDb.Loading;
using Xunit;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>The load line's own readers and writers of @timestamp and IP numbers must agree with the general ones
/// they stand in for (the mapper's millisecond UTC text by hand, anything else by the general parser).</summary>
public sealed class LoadTimeTests
{
    [Theory]
    [InlineData("2026-01-05T07:20:48.728Z", "2026-01-05 07:20:48.728000")]
    [InlineData("2024-02-29T23:59:59.999Z", "2024-02-29 23:59:59.999000")]
    [InlineData("2026-01-05T09:20:48.7281234+02:00", "2026-01-05 07:20:48.728123")] // other ISO forms: general parser
    [InlineData("2026-01-05T07:20:48Z", "2026-01-05 07:20:48.000000")]
    public void A_timestamp_is_read_as_UTC_and_written_as_DuckDB_text(string ecs, string duck)
    {
        LoadTime.TryParse(ecs, out var utc).Should().BeTrue();
        var expected = DateTimeOffset.Parse(ecs, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        utc.Should().Be(expected.UtcDateTime);
        Span<byte> text = stackalloc byte[LoadTime.MaxLength];
        Encoding.ASCII.GetString(text[..LoadTime.Format(utc, text)]).Should().Be(duck);
    }

    [Theory]
    [InlineData("2026-13-05T07:20:48.728Z")] // month 13
    [InlineData("2026-02-30T07:20:48.728Z")] // no such day
    [InlineData("2026-01-05T24:20:48.728Z")]
    [InlineData("2026-01-05T07:20:4x.728Z")]
    [InlineData("yesterday")]
    public void A_timestamp_that_is_no_time_is_refused(string text) =>
        LoadTime.TryParse(text, out _).Should().BeFalse();

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("255.255.255.255")]
    [InlineData("2001:db8::ff00:42:8329")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("fe80::1%3")]
    public void An_ip_number_equals_the_one_queries_compare_against(string ip)
    {
        IpNumbers.TryGetNumber(ip, out var number).Should().BeTrue();
        number.ToString(CultureInfo.InvariantCulture).Should().Be(IpNumbers.From(ip)!.Value.ToString(CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("10.1.2.300")]
    [InlineData("not-an-address")]
    [InlineData(null)]
    public void Text_that_is_no_ip_has_no_number(string? text) => IpNumbers.TryGetNumber(text, out _).Should().BeFalse();
}
