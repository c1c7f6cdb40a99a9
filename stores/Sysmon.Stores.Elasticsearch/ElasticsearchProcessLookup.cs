using System.Text.Json;
using Sysmon.Queries.Lineage;
using Sysmon.Stores.Elasticsearch.Connection;
using EsMethod = Elastic.Transport.HttpMethod;

namespace Sysmon.Stores.Elasticsearch;

/// <summary>Process creations (event 1) from the events data stream, for lineage; GUIDs compare case-insensitively.</summary>
public sealed class ElasticsearchProcessLookup(ElasticsearchConnection es, string pattern = "logs-sysmon-*") : IProcessLookup
{
    private static readonly string[] Fields =
    [
        "@timestamp", "process.entity_id", "process.parent.entity_id", "host.name", "process.executable", "process.command_line",
        "process.hash.sha256", "threat.enrichments.matched.id",
    ];

    public async Task<ProcessNode?> FindAsync(string entityId, CancellationToken ct) =>
        (await SearchAsync("process.entity_id", entityId, 1, ct).ConfigureAwait(false)).FirstOrDefault();

    public async Task<IReadOnlyList<ProcessNode>> ChildrenAsync(string entityId, CancellationToken ct) =>
        await SearchAsync("process.parent.entity_id", entityId, 10_000, ct).ConfigureAwait(false);

    private async Task<List<ProcessNode>> SearchAsync(string field, string id, int size, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["size"] = size,
            ["_source"] = Fields,
            ["sort"] = new object[] { new Dictionary<string, string> { ["@timestamp"] = "asc" } },
            ["query"] = new { @bool = new { filter = new object[]
            {
                new { term = new Dictionary<string, object> { ["event.code"] = "1" } },
                new { term = new Dictionary<string, object> { [field] = new { value = id, case_insensitive = true } } },
            } } },
        });
        var response = await es.SendAsync(EsMethod.POST, pattern + "/_search", body, ct).ConfigureAwait(false);
        if (!response.IsSuccess) throw es.Refused(EsMethod.POST, pattern + "/_search", response);
        using var doc = NotJson.Parse(response.Body, "_search");
        var nodes = new List<ProcessNode>();
        foreach (var hit in doc.RootElement.GetProperty("hits").GetProperty("hits").EnumerateArray())
        {
            var s = hit.GetProperty("_source");
            var time = SourceFields.String(s, "@timestamp") is { } t && DateTimeOffset.TryParse(t, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed) ? parsed.UtcDateTime : (DateTime?)null;
            nodes.Add(new ProcessNode(SourceFields.String(s, "process.entity_id") ?? id, SourceFields.String(s, "process.parent.entity_id"), time,
                SourceFields.String(s, "host.name"), SourceFields.String(s, "process.executable"), SourceFields.String(s, "process.command_line"),
                SourceFields.String(s, "process.hash.sha256"), SourceFields.TryGet(s, "threat.enrichments", out _)));
        }
        return nodes;
    }
}
