using FluentAssertions;
using Sysmon.Queries.Hunts;
using Xunit;

namespace Sysmon.Queries.Tests;

/// <summary>Date math in a hunt's time parameters, resolved as Elasticsearch resolves it and written out as ES|QL.</summary>
public sealed class DateMathTests
{
    // A Wednesday afternoon.
    private static readonly DateTimeOffset Now = new(2026, 12, 9, 15, 42, 17, TimeSpan.Zero);

    [Theory]
    [InlineData("now", "2026-12-09T15:42:17Z")]
    [InlineData("now-24h", "2026-12-08T15:42:17Z")]
    [InlineData("now-1H", "2026-12-09T14:42:17Z")]
    [InlineData("now-7d/d", "2026-12-02T00:00:00Z")]
    [InlineData("now/d", "2026-12-09T00:00:00Z")]
    [InlineData("now/w", "2026-12-07T00:00:00Z")] // Monday
    [InlineData("now-1M/M", "2026-11-01T00:00:00Z")]
    [InlineData("now-1y", "2025-12-09T15:42:17Z")]
    [InlineData("now-90m", "2026-12-09T14:12:17Z")]
    [InlineData("now-30s/m", "2026-12-09T15:41:00Z")]
    [InlineData("now+1d-2h", "2026-12-10T13:42:17Z")]
    [InlineData("now-d", "2026-12-08T15:42:17Z")]
    [InlineData("2026-01-31||+1M", "2026-02-28T00:00:00Z")]
    [InlineData("2026-01-05T10:30:00+02:00||/h", "2026-01-05T08:00:00Z")]
    public void Resolves_as_elasticsearch_does(string text, string expected)
    {
        DateMath.TryParse(text, out var math).Should().BeTrue(text);
        math.Resolve(Now).Should().Be(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("2026-01-05T10:00:00Z")] // a plain time is not date math
    [InlineData("yesterday")]
    [InlineData("nowish")]
    [InlineData("now-7")]
    [InlineData("now-7x")]
    [InlineData("now/d-1d")] // rounding comes last
    [InlineData("now/dd")]
    [InlineData("||+1d")]
    [InlineData("last week||-1d")]
    public void Anything_else_is_not_date_math(string text) => DateMath.TryParse(text, out _).Should().BeFalse(text);

    [Theory]
    [InlineData("now", "NOW()")]
    [InlineData("now-24h", "NOW() - 24 hour")]
    [InlineData("now-7d/d", "DATE_TRUNC(1 day, NOW() - 7 day)")]
    [InlineData("now-1M+2w", "NOW() - 1 month + 2 week")]
    [InlineData("2026-01-05T10:30:00+02:00||+1y", "TO_DATETIME(\"2026-01-05T08:30:00.000Z\") + 1 year")]
    public void Is_written_as_an_esql_expression(string text, string esql)
    {
        DateMath.TryParse(text, out var math).Should().BeTrue();
        math.ToEsql().Should().Be(esql);
    }

    [Fact]
    public void A_time_parameter_takes_iso_8601_or_date_math_and_says_so_for_anything_else()
    {
        var from = new HuntParameter("from", "datetime", "now-1d");
        from.Convert("now-1d", Now).Should().Be(Now.AddDays(-1));
        from.Convert("2026-01-05T10:00:00Z", Now).Should().Be(new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero));
        from.RelativeDefault.Should().NotBeNull();
        new HuntParameter("from", "datetime", "1970-01-01T00:00:00Z").RelativeDefault.Should().BeNull();
        var bad = () => from.Convert("last tuesday", Now);
        bad.Should().Throw<ArgumentException>().WithMessage("parameter from needs an ISO-8601 time or date math (now-24h, now-7d/d), not 'last tuesday'");
    }

    [Fact]
    public void Binding_resolves_a_relative_default_at_the_time_of_the_run()
    {
        var hunt = Hunt.Parse("t", """
            // param: from datetime now-1d/d
            // param: to datetime now
            FROM logs-sysmon-* | WHERE @timestamp >= ?from AND @timestamp < ?to
            """);
        var first = hunt.Bind(new Dictionary<string, string>(), Now);
        var later = hunt.Bind(new Dictionary<string, string>(), Now.AddDays(3));
        first["from"].Should().Be(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero));
        first["to"].Should().Be(Now);
        later["from"].Should().Be(new DateTimeOffset(2026, 12, 11, 0, 0, 0, TimeSpan.Zero), "a scheduled run looks at the day before it, not before the first run");
    }

    [Fact]
    public void A_written_out_query_keeps_a_relative_default_relative()
    {
        var hunt = Hunt.Parse("t", """
            // title: T
            // param: from datetime now-7d/d
            // param: to datetime 2999-01-01T00:00:00Z
            FROM logs-sysmon-*
            | WHERE @timestamp >= ?from AND @timestamp < ?to
            """);
        InlinedQuery.Of(hunt).Should().Be("""
            FROM logs-sysmon-*
            | WHERE @timestamp >= DATE_TRUNC(1 day, NOW() - 7 day) AND @timestamp < TO_DATETIME("2999-01-01T00:00:00.000Z")
            """);
    }
}
