using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using Sysmon.Enrich.Indicators;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Output;
using Sysmon.Stores.Elasticsearch.Indicators;
using Xunit;

namespace Sysmon.Stores.Elasticsearch.Tests;

public sealed class IndicatorDocumentTests
{
    private static JsonNode Json(EcsDocument d) => JsonNode.Parse(EcsJsonWriter.ToJson(d))!;

    [Fact]
    public void Single_ips_are_also_stored_as_ranges_because_ip_range_refuses_a_bare_address()
    {
        var v4 = Json(IndicatorDocument.From(new Indicator(IndicatorType.Ipv4, "203.0.113.66", "f"), "2026-01-01T00:00:00.000Z", "2026-01-05T00:00:00.000Z"));
        v4["indicator_range"]!.GetValue<string>().Should().Be("203.0.113.66/32");
        v4["threat"]!["indicator"]!["ip"]!.GetValue<string>().Should().Be("203.0.113.66");
        v4["threat"]!["indicator"]!["first_seen"]!.GetValue<string>().Should().Be("2026-01-01T00:00:00.000Z");
        var v6 = Json(IndicatorDocument.From(new Indicator(IndicatorType.Ipv6, "2001:db8::1", "f"), "t", "t"));
        v6["indicator_range"]!.GetValue<string>().Should().Be("2001:db8::1/128");
        var cidr6 = Json(IndicatorDocument.From(new Indicator(IndicatorType.Cidr, "2001:db8:bad::/48", "f"), "t", "t"));
        cidr6["threat"]!["indicator"]!["type"]!.GetValue<string>().Should().Be("ipv6-addr");
    }

    [Fact]
    public void Hashes_and_domains_go_where_their_policies_match()
    {
        var hash = Json(IndicatorDocument.From(new Indicator(IndicatorType.Sha256, new string('d', 64), "f"), "t", "t"));
        hash["indicator_hash"]!.GetValue<string>().Should().Be(new string('d', 64));
        hash["threat"]!["indicator"]!["file"]!["hash"]!["sha256"]!.GetValue<string>().Should().Be(new string('d', 64));
        hash["indicator_range"].Should().BeNull();
        var domain = Json(IndicatorDocument.From(new Indicator(IndicatorType.Domain, "c2.bad.example", "f"), "t", "t"));
        domain["threat"]!["indicator"]!["url"]!["domain"]!.GetValue<string>().Should().Be("c2.bad.example");
        domain["value"]!.GetValue<string>().Should().Be("c2.bad.example");
        domain["threat"]!["feed"]!["name"]!.GetValue<string>().Should().Be("f");
    }

    [Theory]
    [InlineData(IndicatorType.Cidr, "10.0.0.0/8", true)]
    [InlineData(IndicatorType.Cidr, "192.168.10.0/24", true)]
    [InlineData(IndicatorType.Ipv4, "127.0.0.1", true)]
    [InlineData(IndicatorType.Cidr, "0.0.0.0/0", false)]
    [InlineData(IndicatorType.Ipv4, "203.0.113.66", false)]
    [InlineData(IndicatorType.Sha256, "dddd", false)]
    public void Private_and_special_blocks_are_kept_out_of_the_enrich_index(IndicatorType type, string value, bool allowListed)
    {
        IndicatorDocument.IsAllowListed(new Indicator(type, value, "f")).Should().Be(allowListed);
    }

    [Fact]
    public void Only_an_indicator_awaiting_its_retro_hunt_carries_the_flag_and_the_hunt_asks_for_its_feed_s_flagged_ones()
    {
        var indicator = new Indicator(IndicatorType.Sha256, new string('d', 64), "f");
        var pending = Json(IndicatorDocument.From(indicator, "t", "t", retroHuntPending: true));
        pending[IndicatorDocument.PendingField]!.GetValue<bool>().Should().BeTrue();
        IndicatorDocument.IsPending(JsonDocument.Parse(pending.ToJsonString()).RootElement).Should().BeTrue();
        var hunted = Json(IndicatorDocument.From(indicator, "t", "t"));
        hunted[IndicatorDocument.PendingField].Should().BeNull("a hunted indicator has no flag at all, so the term query skips it");
        IndicatorDocument.IsPending(JsonDocument.Parse(hunted.ToJsonString()).RootElement).Should().BeFalse();

        var query = JsonNode.Parse(JsonSerializer.Serialize(ElasticsearchIndicatorStore.PendingQuery("feed-a")))!["bool"]!["filter"]!.AsArray();
        query.Select(n => n!["term"]!.AsObject().Single()).Select(kv => (kv.Key, kv.Value!.ToJsonString()))
            .Should().Equal(("threat.feed.name", "\"feed-a\""), (IndicatorDocument.PendingField, "true"));
    }

    [Fact]
    public void A_refresh_finds_what_it_added_by_its_own_time_as_first_seen()
    {
        // Counted, and deleted again when the payload proves bad, without holding the new ids.
        var query = JsonNode.Parse(JsonSerializer.Serialize(ElasticsearchIndicatorStore.AddedQuery("feed-a", "2026-01-02T00:00:00.000Z")))!["bool"]!["filter"]!.AsArray();
        query.Select(n => n!["term"]!.AsObject().Single()).Select(kv => (kv.Key, kv.Value!.GetValue<string>()))
            .Should().Equal(("threat.feed.name", "feed-a"), ("threat.indicator.first_seen", "2026-01-02T00:00:00.000Z"));
        var doc = Json(IndicatorDocument.From(new Indicator(IndicatorType.Domain, "c2.bad.example", "feed-a"), "2026-01-02T00:00:00.000Z", "2026-01-02T00:00:00.000Z"));
        doc["threat"]!["indicator"]!["first_seen"]!.GetValue<string>().Should().Be("2026-01-02T00:00:00.000Z", "the field the query asks for");
    }

    [Fact]
    public void A_retro_hunt_query_looks_for_addresses_in_ranges_and_hashes_and_domains_exactly()
    {
        var query = ElasticsearchIndicatorStore.RetroHuntQuery(
        [
            new Indicator(IndicatorType.Ipv4, "203.0.113.66", "f"), new Indicator(IndicatorType.Cidr, "198.51.100.0/24", "f"),
            new Indicator(IndicatorType.Sha256, new string('d', 64), "f"), new Indicator(IndicatorType.Domain, "c2.bad.example", "f"),
        ], new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var json = JsonNode.Parse(JsonSerializer.Serialize(query))!["bool"]!;
        json["filter"]![0]!["range"]!["@timestamp"]!["gte"]!.GetValue<string>().Should().Be("2026-01-01T00:00:00.000Z");
        var should = json["should"]!.AsArray().Select(n => n!["terms"]!.AsObject().Single()).ToDictionary(kv => kv.Key, kv => kv.Value!.AsArray().Select(v => v!.GetValue<string>()).ToList());
        should["destination.ip"].Should().Equal("203.0.113.66/32", "198.51.100.0/24");
        should["process.hash.sha256"].Should().Equal(new string('d', 64));
        should["dll.hash.sha256"].Should().Equal(new string('d', 64));
        should["dns.question.name"].Should().Equal("c2.bad.example");
        json["minimum_should_match"]!.GetValue<int>().Should().Be(1);
    }
}
