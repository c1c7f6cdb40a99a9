using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FluentAssertions;
using Sysmon.Enrich.Indicators;
using Sysmon.Queries.Hunts;
using Sysmon.Stores.Elasticsearch.Indicators;
using Sysmon.Stores.Elasticsearch.Setup;
using Xunit;

namespace Sysmon.Stores.Elasticsearch.Tests;

/// <summary>
/// The resource files checked against what the rest of the product writes and asks: every field the mapper emits has
/// an explicit mapping, the traps of threat-intel-and-elasticsearch.md are handled in the files, and every enrich
/// field a shipped hunt reads exists in its policy. (That the cluster accepts them is the integration tests' part.)
/// </summary>
public sealed class ResourceTests
{
    private static JsonObject Body(ResourceKind kind, string name) => ClusterResource.Get(kind, name).Body();

    private static JsonObject EventMappings => Body(ResourceKind.ComponentTemplate, "sysmon@mappings")["template"]!["mappings"]!.AsObject();

    private static JsonNode? MappingOf(JsonObject mappings, string path)
    {
        JsonNode? node = mappings;
        foreach (var part in path == "@timestamp" ? ["@timestamp"] : path.Split('.'))
        {
            node = node?["properties"]?[part];
            if (node is null) return null;
        }
        return node;
    }

    [Fact]
    public void Resources_come_in_install_order_and_are_all_there()
    {
        var all = ClusterResource.All();
        all.Select(r => r.Kind).Should().BeInAscendingOrder();
        all.Select(r => $"{r.Kind}:{r.Name}").Should().BeEquivalentTo(
            "ComponentTemplate:sysmon@mappings", "IndexTemplate:logs-sysmon", "IndexTemplate:logs-sysmon.alerts",
            "Index:sysmon-indicators", "Index:sysmon-hunts", "Index:sysmon-feeds",
            "EnrichPolicy:sysmon-ioc-ip", "EnrichPolicy:sysmon-ioc-cidr", "EnrichPolicy:sysmon-ioc-hash", "EnrichPolicy:sysmon-ioc-domain",
            "IngestPipeline:sysmon-enrich");
    }

    [Fact]
    public async Task Every_field_the_mapper_writes_has_an_explicit_mapping()
    {
        var docs = await MappedDocuments.AllAsync();
        var paths = docs.SelectMany(d => MappedDocuments.Paths(d)).Where(p => !p.StartsWith("winlog.event_data.", StringComparison.Ordinal)).ToHashSet();
        paths.Should().Contain(["threat.enrichments.matched.atomic", "destination.ip", "process.hash.sha256", "registry.path"], "the samples cover every event id and a match");
        var nested = MappingOf(EventMappings, "threat.enrichments")!["properties"]!.AsObject();
        var unmapped = paths.Where(p => p.StartsWith("threat.enrichments.", StringComparison.Ordinal)
                ? MappingOf(new JsonObject { ["properties"] = nested.DeepClone() }, p["threat.enrichments.".Length..]) is null
                : MappingOf(EventMappings, p) is null)
            .Order().ToList();
        unmapped.Should().BeEmpty("an unmapped field would get whatever type its first value suggests");
    }

    [Fact]
    public void Every_event_data_field_a_shipped_hunt_names_is_mapped_before_any_event_has_it()
    {
        // ES|QL refuses a column no index maps ("Unknown column"): a scheduled hunt over winlog.event_data.TargetImage
        // failed on a cluster that had stored no event 8 or 10 yet, as the dynamic template maps a key only once seen.
        var named = Sysmon.Queries.Hunts.HuntCatalog.Load()
            .SelectMany(h => Regex.Matches(h.Query, @"winlog\.event_data\.[A-Za-z]+").Select(m => m.Value)).Distinct().ToList();
        named.Should().Contain(["winlog.event_data.TargetImage", "winlog.event_data.GrantedAccess"]);
        named.Where(f => MappingOf(EventMappings, f)?["type"]?.GetValue<string>() != "keyword").Should().BeEmpty();
    }

    [Theory]
    [InlineData("destination.ip", "ip")]
    [InlineData("source.ip", "ip")]
    [InlineData("related.ip", "ip")]
    [InlineData("dns.resolved_ip", "ip")]
    [InlineData("destination.port", "long")]
    [InlineData("process.pid", "long")]
    [InlineData("@timestamp", "date")]
    [InlineData("process.command_line", "wildcard")]
    [InlineData("process.parent.command_line", "wildcard")]
    [InlineData("process.hash.sha256", "keyword")]
    [InlineData("host.name", "keyword")]
    [InlineData("host.os.type", "keyword")]
    [InlineData("host.id", "keyword")]
    [InlineData("agent.id", "keyword")]
    [InlineData("agent.version", "keyword")]
    [InlineData("threat.enrichments", "nested")]
    public void Fields_have_the_types_Elastic_gives_them(string path, string type)
    {
        MappingOf(EventMappings, path)!["type"]!.GetValue<string>().Should().Be(type);
    }

    [Fact]
    public void Unknown_event_data_fields_become_keywords_not_new_types()
    {
        var templates = EventMappings["dynamic_templates"]!.AsArray();
        var rule = templates.Select(t => t!.AsObject().First().Value!).Single(t => t["path_match"]?.GetValue<string>() == "winlog.event_data.*");
        rule["mapping"]!["type"]!.GetValue<string>().Should().Be("keyword");
    }

    [Fact]
    public void The_events_template_wins_over_the_builtin_logs_template_and_keeps_its_own_lifecycle()
    {
        var t = Body(ResourceKind.IndexTemplate, "logs-sysmon");
        t["priority"]!.GetValue<int>().Should().BeGreaterThan(100, "the built-in logs template matches logs-*-* at 100");
        t["data_stream"].Should().NotBeNull();
        t["composed_of"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Contain(["logs@settings", "ecs@mappings", "sysmon@mappings"]);
        var settings = t["template"]!["settings"]!;
        settings["index.lifecycle.prefer_ilm"]!.GetValue<bool>().Should().BeFalse("logs@settings brings ILM policy 'logs', which would override data_retention");
        t["template"]!["lifecycle"]!["data_retention"]!.GetValue<string>().Should().Be("30d");
        settings["index.mode"]!.GetValue<string>().Should().Be("logsdb");
        settings["index.mapping.source.mode"]!.GetValue<string>().Should().Be("stored", "process.args must come back in order and _source as written");
        t["template"]!["data_stream_options"]!["failure_store"]!["enabled"]!.GetValue<bool>().Should().BeTrue();
        // Elastic's rules group by data_stream.namespace: mapped as the stream's own name parts, for every event.
        var stream = t["template"]!["mappings"]!["properties"]!["data_stream"]!["properties"]!;
        string.Join("-", new[] { "type", "dataset", "namespace" }.Select(p =>
        {
            stream[p]!["type"]!.GetValue<string>().Should().Be("constant_keyword");
            return stream[p]!["value"]!.GetValue<string>();
        })).Should().Be(Sysmon.Ingest.Names.EventsDataStream);
        settings["index.default_pipeline"].Should().BeNull("events from this tool are tagged at ingest; the pipeline is for other shippers");
    }

    private static bool Glob(string pattern, string name) => Regex.IsMatch(name, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$");

    [Fact]
    public void The_events_pattern_does_not_take_in_the_alerts_stream()
    {
        var events = Body(ResourceKind.IndexTemplate, "logs-sysmon")["index_patterns"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        var alerts = Body(ResourceKind.IndexTemplate, "logs-sysmon.alerts")["index_patterns"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        events.Should().Contain(p => Glob(p, Ingest.Names.EventsDataStream));
        events.Should().NotContain(p => Glob(p, Ingest.Names.AlertsDataStream));
        alerts.Should().Contain(p => Glob(p, Ingest.Names.AlertsDataStream));
        // And the hunts read events only: FROM logs-sysmon-* does not match the alerts stream either.
        foreach (var hunt in HuntCatalog.Load())
        {
            var from = Regex.Match(hunt.Query, @"FROM\s+(\S+)").Groups[1].Value;
            Glob(from, Ingest.Names.EventsDataStream).Should().BeTrue(hunt.Name);
            Glob(from, Ingest.Names.AlertsDataStream).Should().BeFalse(hunt.Name);
        }
    }

    [Theory]
    [InlineData(IndicatorType.Ipv4, "203.0.113.66")]
    [InlineData(IndicatorType.Ipv6, "2001:db8::1")]
    [InlineData(IndicatorType.Cidr, "198.51.100.0/24")]
    [InlineData(IndicatorType.Md5, "0123456789abcdef0123456789abcdef")]
    [InlineData(IndicatorType.Sha1, "0123456789abcdef0123456789abcdef01234567")]
    [InlineData(IndicatorType.Sha256, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData(IndicatorType.Domain, "c2.bad.example")]
    [InlineData(IndicatorType.Url, "http://c2.bad.example/x")]
    public void Every_field_of_an_indicator_document_is_in_the_strict_indicator_mapping(IndicatorType type, string value)
    {
        // The index is "dynamic": "strict": a field missing here makes the cluster refuse every indicator of a refresh.
        var mappings = Body(ResourceKind.Index, "sysmon-indicators")["mappings"]!.AsObject();
        mappings["dynamic"]!.GetValue<string>().Should().Be("strict");
        var indicator = new Indicator(type, value, "f") { Confidence = "high", Tlp = "amber", Reference = "https://x.example", Description = "d" };
        var doc = IndicatorDocument.From(indicator, "2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z", retroHuntPending: true);
        var paths = MappedDocuments.Paths(doc).ToList();
        paths.Should().Contain(IndicatorDocument.PendingField);
        paths.Where(p => MappingOf(mappings, p) is null).Should().BeEmpty();
        MappingOf(mappings, IndicatorDocument.PendingField)!["type"]!.GetValue<string>().Should().Be("boolean", "the hunt asks for a term true");
    }

    [Fact]
    public void Each_policy_matches_on_a_field_the_indicator_index_maps_with_the_type_its_policy_type_needs()
    {
        var mappings = Body(ResourceKind.Index, "sysmon-indicators")["mappings"]!.AsObject();
        foreach (var name in ElasticsearchIndicatorStore.Policies)
        {
            var (type, config) = Body(ResourceKind.EnrichPolicy, name).Single();
            var field = config!["match_field"]!.GetValue<string>();
            var fieldType = MappingOf(mappings, field)?["type"]?.GetValue<string>();
            fieldType.Should().Be(type == "range" ? "ip_range" : name == "sysmon-ioc-ip" ? "ip" : "keyword", name);
            config["indices"]!.GetValue<string>().Should().Be(Ingest.Names.IndicatorsIndex);
            foreach (var enrich in config["enrich_fields"]!.AsArray().Select(n => n!.GetValue<string>()))
            {
                MappingOf(mappings, enrich).Should().NotBeNull($"{name} enriches with {enrich}");
            }
        }
    }

    [Fact]
    public void Every_ENRICH_of_a_shipped_hunt_names_a_policy_and_fields_the_cluster_has()
    {
        var policies = ClusterResource.All().Where(r => r.Kind == ResourceKind.EnrichPolicy).ToDictionary(r => r.Name, r => r.Body().Single().Value!);
        var checkedOne = false;
        foreach (var hunt in HuntCatalog.Load())
        {
            foreach (Match m in Regex.Matches(hunt.Query, @"ENRICH\s+(\S+)\s+ON\s+\S+\s+WITH\s+([^|]+)"))
            {
                policies.Should().ContainKey(m.Groups[1].Value, hunt.Name);
                var fields = policies[m.Groups[1].Value]["enrich_fields"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
                foreach (var with in m.Groups[2].Value.Split(','))
                {
                    var field = with.Split('=').Last().Trim();
                    fields.Should().Contain(field, $"{hunt.Name} reads {field} from {m.Groups[1].Value}");
                    checkedOne = true;
                }
            }
        }
        checkedOne.Should().BeTrue();
    }

    [Fact]
    public void The_pipeline_uses_only_installed_policies_and_cleans_up_after_itself()
    {
        var pipeline = Body(ResourceKind.IngestPipeline, Ingest.Names.EnrichPipeline);
        var processors = pipeline["processors"]!.AsArray().Select(p => p!.AsObject().Single()).ToList();
        var policies = ElasticsearchIndicatorStore.Policies;
        foreach (var (type, body) in processors.Where(p => p.Key == "enrich"))
        {
            policies.Should().Contain(body!["policy_name"]!.GetValue<string>());
            body["target_field"]!.GetValue<string>().Should().StartWith("_tmp.");
            body["ignore_missing"]!.GetValue<bool>().Should().BeTrue("events without the field must pass untouched");
        }
        processors.Last().Key.Should().Be("remove");
        pipeline["on_failure"].Should().NotBeNull();
        var script = processors.Single(p => p.Key == "script").Value!["source"]!.GetValue<string>();
        script.Should().Contain("'enrich'", "re-running the pipeline (update_by_query) replaces its own enrichments instead of appending twice");
    }

    [Fact]
    public void Setup_fills_in_the_retention_and_stamps_a_hash_that_changes_with_it()
    {
        var resource = ClusterResource.Get(ResourceKind.IndexTemplate, "logs-sysmon");
        var a = new ClusterSetup(null!) { EventsRetention = "30d" }.Prepare(resource);
        var again = new ClusterSetup(null!) { EventsRetention = "30d" }.Prepare(resource);
        var b = new ClusterSetup(null!) { EventsRetention = "90d" }.Prepare(resource);
        b["template"]!["lifecycle"]!["data_retention"]!.GetValue<string>().Should().Be("90d");
        var hash = (JsonObject o) => o["_meta"]![ClusterSetup.HashKey]!.GetValue<string>();
        hash(a).Should().Be(hash(again)).And.NotBe(hash(b));
        a["_meta"]!["managed_by"]!.GetValue<string>().Should().Be("sysmon-elastic");
    }
}
