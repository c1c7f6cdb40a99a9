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
        "process.hash.sha256", "threat.enrichments.matched.id", "process.pid", "user.name", "user.domain",
        "process.parent.executable", "process.parent.command_line", "process.parent.pid",
    ];

    public async Task<ProcessNode?> FindAsync(string entityId, CancellationToken ct) =>
        (await SearchAsync("process.entity_id", entityId, 1, ProcessKnownFrom.Creation, ct).ConfigureAwait(false)).FirstOrDefault();

    public async Task<IReadOnlyList<ProcessNode>> ChildrenAsync(string entityId, CancellationToken ct) =>
        await SearchAsync("process.parent.entity_id", entityId, 10_000, ProcessKnownFrom.Creation, ct).ConfigureAwait(false);

    public async Task<ProcessNode?> FirstSeenAsync(string entityId, CancellationToken ct) =>
        (await SearchAsync("process.entity_id", entityId, 1, ProcessKnownFrom.OtherEvents, ct).ConfigureAwait(false)).FirstOrDefault();

    private async Task<List<ProcessNode>> SearchAsync(string field, string id, int size, ProcessKnownFrom knownFrom, CancellationToken ct)
    {
        var filters = new List<object> { new { term = new Dictionary<string, object> { [field] = new { value = id, case_insensitive = true } } } };
        if (knownFrom == ProcessKnownFrom.Creation) filters.Add(new { term = new Dictionary<string, object> { ["event.code"] = "1" } });
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["size"] = size,
            ["_source"] = Fields,
            ["sort"] = new object[] { new Dictionary<string, string> { ["@timestamp"] = "asc" } },
            ["query"] = new { @bool = new { filter = filters } },
        });
        var response = await es.SendAsync(EsMethod.POST, pattern + "/_search", body, ct).ConfigureAwait(false);
        if (!response.IsSuccess) throw es.Refused(EsMethod.POST, pattern + "/_search", response);
        using var doc = NotJson.Parse(response.Body, "_search");
        var nodes = new List<ProcessNode>();
        foreach (var hit in doc.RootElement.GetProperty("hits").GetProperty("hits").EnumerateArray())
        {
            var s = hit.GetProperty("_source");
            string? S(string path) => SourceFields.String(s, path);
            long? L(string path) => long.TryParse(S(path), System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
            var time = S("@timestamp") is { } t && DateTimeOffset.TryParse(t, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed) ? parsed.UtcDateTime : (DateTime?)null;
            nodes.Add(new ProcessNode(S("process.entity_id") ?? id, S("process.parent.entity_id"), time, S("host.name"), S("process.executable"),
                S("process.command_line"), S("process.hash.sha256"), SourceFields.TryGet(s, "threat.enrichments", out _))
            {
                Pid = L("process.pid"),
                User = ProcessNode.UserOf(S("user.domain"), S("user.name")),
                Parent = ParentDescription.Of(S("process.parent.executable"), S("process.parent.command_line"), L("process.parent.pid")),
                KnownFrom = knownFrom,
            });
        }
        return nodes;
    }
}
