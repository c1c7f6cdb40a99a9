using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FluentAssertions;
using Sysmon.Kibana.SavedObjects;
using Xunit;

namespace Sysmon.Kibana.Tests;

/// <summary>
/// The shipped saved objects checked against what Kibana's import needs and what the product stores: well-formed
/// objects with unique ids, JSON where Kibana keeps JSON in strings, panels whose references exist, and no field
/// that the index templates do not map (a renamed field would leave an empty panel). That Kibana accepts them is the
/// integration test's part.
/// </summary>
public sealed class SavedObjectTests
{
    private static readonly SavedObjectBundle Shipped = SavedObjectBundle.Shipped();

    [Fact]
    public void The_shipped_files_hold_the_data_views_searches_and_dashboard()
    {
        Shipped.Objects.Select(o => SavedObjectBundle.Key(o).ToString()).Should().Equal(
            "(index-pattern, sysmon-elastic-events)", "(index-pattern, sysmon-elastic-alerts)", "(index-pattern, sysmon-elastic-indicators)",
            "(search, sysmon-elastic-process-starts)", "(search, sysmon-elastic-alerts-latest)", "(dashboard, sysmon-elastic-overview)");
        Shipped.Objects.Where(o => o["type"]!.GetValue<string>() == "index-pattern")
            .Select(o => o["attributes"]!["title"]!.GetValue<string>())
            .Should().Equal("logs-sysmon-*", "logs-sysmon.alerts-*", "sysmon-indicators");
    }

    [Fact]
    public void Every_object_carries_what_an_import_needs_and_its_json_strings_parse()
    {
        foreach (var o in Shipped.Objects)
        {
            var (type, id) = SavedObjectBundle.Key(o);
            id.Should().StartWith("sysmon-elastic-", "ids are fixed so that a second import overwrites, never duplicates");
            o["attributes"]!["title"]!.GetValue<string>().Should().NotBeNullOrWhiteSpace();
            o["typeMigrationVersion"]!.GetValue<string>().Should().MatchRegex(@"^\d+\.\d+\.\d+$", "Kibana migrates an object from the version it names");
            o["references"].Should().BeOfType<JsonArray>();
            foreach (var key in new[] { "panelsJSON", "optionsJSON" })
            {
                if (o["attributes"]![key] is { } s) JsonNode.Parse(s.GetValue<string>()).Should().NotBeNull($"{type}/{id} {key}");
            }
            if (o["attributes"]!["kibanaSavedObjectMeta"]?["searchSourceJSON"] is { } source)
            {
                JsonNode.Parse(source.GetValue<string>()).Should().NotBeNull($"{type}/{id} searchSourceJSON");
            }
        }
    }

    [Fact]
    public void The_dashboard_references_its_data_views_by_id_and_the_hunts_by_their_search_ids()
    {
        var dashboard = Shipped.Objects.Single(o => o["type"]!.GetValue<string>() == "dashboard");
        var panels = SavedObjectBundle.Panels(dashboard).ToList();
        panels.Select(p => p["panelIndex"]!.GetValue<string>()).Should().OnlyHaveUniqueItems();
        var references = dashboard["references"]!.AsArray().Select(r => (Name: r!["name"]!.GetValue<string>(), Type: r["type"]!.GetValue<string>(), Id: r["id"]!.GetValue<string>())).ToList();
        foreach (var lens in panels.Where(p => p["type"]!.GetValue<string>() == "lens"))
        {
            var layer = lens["embeddableConfig"]!["attributes"]!["state"]!["datasourceStates"]!["formBased"]!["layers"]!.AsObject().Single().Key;
            references.Should().Contain(r => r.Name == $"{lens["panelIndex"]}:indexpattern-datasource-layer-{layer}" && r.Type == "index-pattern",
                "Kibana finds a by-value Lens layer's data view through the dashboard's references");
        }
        references.Where(r => r.Type == "search").Select(r => r.Id).Should().Contain(
            ["sysmon-elastic-hunt-rare-executables", "sysmon-elastic-hunt-blacklisted-connections", "sysmon-elastic-alerts-latest"]);
        // Only the hunt searches (added by setup kibana from queries/hunts) may be missing from the shipped files.
        Shipped.MissingReferences().Should().OnlyContain(m => m.Contains("refers to search/sysmon-elastic-hunt-", StringComparison.Ordinal));
        Shipped.MissingReferences().Should().NotContain(m => m.Contains("index-pattern", StringComparison.Ordinal));
    }

    [Fact]
    public void A_panel_whose_search_is_not_in_the_bundle_is_reported()
    {
        var bundle = SavedObjectBundle.Shipped();
        bundle.MissingReferences().Should().Contain(m => m.Contains("search/sysmon-elastic-hunt-lsass-access", StringComparison.Ordinal));
        foreach (var name in new[] { "rare-executables", "blacklisted-connections", "lsass-access", "remote-threads" })
        {
            bundle.Add(EsqlSavedSearch.Create("sysmon-elastic-hunt-" + name, name, "", "logs-sysmon-*", "FROM logs-sysmon-* | LIMIT 1"));
        }
        bundle.MissingReferences().Should().BeEmpty();
        var act = () => bundle.Add(EsqlSavedSearch.Create("sysmon-elastic-hunt-lsass-access", "again", "", "logs-sysmon-*", "FROM x"));
        act.Should().Throw<ArgumentException>().WithMessage("*twice*");
    }

    [Fact]
    public void Every_field_the_saved_objects_name_is_mapped_by_the_index_templates()
    {
        var mapped = MappedFields();
        var named = new List<string>();
        foreach (var o in Shipped.Objects)
        {
            named.AddRange(o["attributes"]!["columns"]?.AsArray().Select(c => c!.GetValue<string>()) ?? []);
            if (o["attributes"]!["timeFieldName"] is { } time) named.Add(time.GetValue<string>());
            if (o["attributes"]!["kibanaSavedObjectMeta"]?["searchSourceJSON"] is { } source) named.AddRange(KqlFields(JsonNode.Parse(source.GetValue<string>())!["query"]?["query"]?.GetValue<string>()));
            if (o["type"]!.GetValue<string>() != "dashboard") continue;
            foreach (var panel in SavedObjectBundle.Panels(o).Where(p => p["type"]!.GetValue<string>() == "lens"))
            {
                var state = panel["embeddableConfig"]!["attributes"]!["state"]!;
                named.AddRange(KqlFields(state["query"]?["query"]?.GetValue<string>()));
                foreach (var layer in state["datasourceStates"]!["formBased"]!["layers"]!.AsObject())
                {
                    named.AddRange(layer.Value!["columns"]!.AsObject().Select(c => c.Value!["sourceField"]!.GetValue<string>()).Where(f => f != "___records___"));
                }
            }
        }
        named.Should().Contain(["process.executable", "destination.ip", "host.name", "threat.enrichments.matched.atomic", "event.code"]);
        named.Distinct().Where(f => !mapped.Contains(f)).Should().BeEmpty("a field without a mapping shows as empty in Kibana");
    }

    // `field : value` terms of a KQL query.
    private static IEnumerable<string> KqlFields(string? kql) =>
        kql is null ? [] : Regex.Matches(kql, @"([A-Za-z@_][\w.@]*)\s*:").Select(m => m.Groups[1].Value);

    // The dotted paths the events' component template and the alerts' index template map (nested objects included).
    private static HashSet<string> MappedFields()
    {
        var fields = new HashSet<string>(StringComparer.Ordinal);
        var assembly = typeof(Sysmon.Stores.Elasticsearch.ElasticsearchEventSink).Assembly;
        foreach (var (resource, path) in new[] { ("resources/component-templates/sysmon@mappings.json", "template.mappings"), ("resources/index-templates/logs-sysmon.alerts.json", "template.mappings") })
        {
            using var stream = assembly.GetManifestResourceStream(resource) ?? throw new InvalidOperationException(resource + " is not embedded");
            JsonNode? mappings = JsonNode.Parse(stream);
            foreach (var part in path.Split('.')) mappings = mappings![part];
            Walk("", mappings!.AsObject(), fields);
        }
        return fields;
    }

    private static void Walk(string prefix, JsonObject mapping, HashSet<string> fields)
    {
        foreach (var (name, child) in mapping["properties"]?.AsObject() ?? [])
        {
            var path = prefix.Length == 0 ? name : prefix + "." + name;
            if (child!["properties"] is JsonObject) Walk(path, child.AsObject(), fields);
            else fields.Add(path);
        }
    }

    // The attributes Kibana's saved-search schema accepts (saved_search plugin, schema.ts, model versions 1-5):
    // an import with any other key is refused.
    private static readonly HashSet<string> SearchAttributes =
    [
        "title", "description", "columns", "sort", "grid", "rowHeight", "rowsPerPage", "hideChart", "breakdownField",
        "kibanaSavedObjectMeta", "isTextBasedQuery", "usesAdHocDataView", "timeRestore", "timeRange", "refreshInterval",
        "viewMode", "hideAggregatedPreview", "hits", "version", "sampleSize", "headerRowHeight", "visContext", "density",
    ];

    [Fact]
    public void Searches_carry_only_attributes_kibanas_schema_accepts()
    {
        var bundle = SavedObjectBundle.Shipped();
        bundle.Add(EsqlSavedSearch.Create("sysmon-elastic-hunt-x", "X", "d", "logs-sysmon-*", "FROM logs-sysmon-* | LIMIT 1"));
        var searches = bundle.Objects.Where(o => o["type"]!.GetValue<string>() == "search").ToList();
        searches.Should().HaveCount(3);
        foreach (var search in searches)
        {
            search["attributes"]!.AsObject().Select(a => a.Key).Where(k => !SearchAttributes.Contains(k))
                .Should().BeEmpty($"{search["id"]} would be refused by Kibana's import");
            var sort = search["attributes"]!["sort"]!.AsArray();
            sort.Where(s => s is not JsonArray || s.AsArray().Count > 2).Should().BeEmpty("sort is a list of [field, direction] pairs");
        }
    }

    [Fact]
    public void An_esql_search_keeps_its_query_through_the_ndjson_round_trip()
    {
        var query = "FROM logs-sysmon-* | WHERE event.code == \"1\" AND process.command_line LIKE \"*\\\\\\\"x\\\"*\" | LIMIT 5";
        var bundle = new SavedObjectBundle();
        bundle.Add(EsqlSavedSearch.Create("sysmon-elastic-hunt-x", "X", "d", "logs-sysmon-*", query));
        var lines = System.Text.Encoding.UTF8.GetString(bundle.ToNdjson()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().ContainSingle();
        var back = JsonNode.Parse(lines[0])!.AsObject();
        EsqlSavedSearch.QueryOf(back).Should().Be(query);
        back["attributes"]!["isTextBasedQuery"]!.GetValue<bool>().Should().BeTrue();
        EsqlSavedSearch.QueryOf(Shipped.Objects[3]).Should().BeNull("a KQL search has no ES|QL query");
    }
}
