using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Xunit;

namespace Sysmon.Ingest.Tests.Ecs;

/// <summary>EcsValue packs its kind into the reference or the number: every kind must come back as made, whatever
/// the number (a number equal to a kind's code is still a number) and for a null string.</summary>
public sealed class EcsValueTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(3L)] // the code of EcsValueKind.Strings
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void A_number_stays_a_number(long n)
    {
        var v = EcsValue.Of(n);
        v.Kind.Should().Be(EcsValueKind.Long);
        v.AsLong.Should().Be(n);
    }

    [Fact]
    public void Every_other_kind_comes_back_as_made()
    {
        EcsValue.Of("x").Kind.Should().Be(EcsValueKind.String);
        EcsValue.Of("x").AsString.Should().Be("x");
        EcsValue.Of((string)null!).Kind.Should().Be(EcsValueKind.String, "a missing text stays text");
        EcsValue.Of((string)null!).AsString.Should().BeNull();
        EcsValue.Of(true).Kind.Should().Be(EcsValueKind.Bool);
        EcsValue.Of(true).AsBool.Should().BeTrue();
        EcsValue.Of(false).AsBool.Should().BeFalse();
        EcsValue.Of(new List<string> { "a" }).Kind.Should().Be(EcsValueKind.Strings);
        EcsValue.Of(new List<EcsDocument>()).Kind.Should().Be(EcsValueKind.Objects);
        EcsValue.Of(new List<KeyValuePair<string, string>>()).Kind.Should().Be(EcsValueKind.Map);
    }

    [Fact]
    public void A_value_takes_sixteen_bytes() => System.Runtime.CompilerServices.Unsafe.SizeOf<EcsValue>().Should().Be(16);
}
