using FluentAssertions;
using Sysmon.Enrich.Indicators;
using Xunit;

namespace Sysmon.Enrich.Tests;

/// <summary>A stored kind is read leniently (a row typed by hand) but never as a number, which Enum.TryParse takes.</summary>
public sealed class IndicatorTypeTests
{
    [Theory]
    [InlineData("Sha256", IndicatorType.Sha256)]
    [InlineData("sha256", IndicatorType.Sha256)]
    [InlineData("IPV4", IndicatorType.Ipv4)]
    [InlineData("Url", IndicatorType.Url)]
    public void A_known_kind_in_any_case_is_read(string kind, IndicatorType expected)
    {
        IndicatorTypes.TryParseStored(kind, out var type).Should().BeTrue();
        type.Should().Be(expected);
    }

    [Theory]
    [InlineData("ip")]
    [InlineData("3")]
    [InlineData("99")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("Sha256,Md5")]
    public void Anything_else_is_not_a_kind(string? kind) => IndicatorTypes.TryParseStored(kind, out _).Should().BeFalse();
}
