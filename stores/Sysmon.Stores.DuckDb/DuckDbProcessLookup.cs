using DuckDB.NET.Data;
using Sysmon.Queries.Lineage;

namespace Sysmon.Stores.DuckDb;

/// <summary>Process creations from the events table, for lineage; GUIDs compare case-insensitively.</summary>
public sealed class DuckDbProcessLookup(DuckDbStore store) : IProcessLookup
{
    private const string Select = """
        SELECT e."process.entity_id", e."process.parent.entity_id", e."@timestamp", e."host.name", e."process.executable",
               e."process.command_line", e."process.hash.sha256",
               e."threat.enrichments" IS NOT NULL OR EXISTS (SELECT 1 FROM alerts a WHERE a."event.id" = e.id),
               e."process.pid", e."user.name", e."process.parent.executable", e."process.parent.command_line", e."process.parent.pid",
               e."user.domain"
        FROM events e
        """;

    public Task<ProcessNode?> FindAsync(string entityId, CancellationToken ct) =>
        Task.FromResult(Query(Select + " WHERE e.\"event.code\" = '1' AND lower(e.\"process.entity_id\") = lower($id) ORDER BY e.\"@timestamp\" LIMIT 1",
            entityId, ProcessKnownFrom.Creation).FirstOrDefault());

    public Task<IReadOnlyList<ProcessNode>> ChildrenAsync(string entityId, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<ProcessNode>>(Query(
            Select + " WHERE e.\"event.code\" = '1' AND lower(e.\"process.parent.entity_id\") = lower($id) ORDER BY e.\"@timestamp\"",
            entityId, ProcessKnownFrom.Creation));

    public Task<ProcessNode?> FirstSeenAsync(string entityId, CancellationToken ct) =>
        Task.FromResult(Query(Select + " WHERE lower(e.\"process.entity_id\") = lower($id) ORDER BY e.\"@timestamp\" LIMIT 1",
            entityId, ProcessKnownFrom.OtherEvents).FirstOrDefault());

    private List<ProcessNode> Query(string sql, string id, ProcessKnownFrom knownFrom)
    {
        using (store.Enter())
        {
            using var cmd = store.Connection.CreateCommand();
            cmd.CommandText = sql;
            cmd.Parameters.Add(new DuckDBParameter("id", id));
            using var r = cmd.ExecuteReader();
            var nodes = new List<ProcessNode>();
            while (r.Read())
            {
                string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
                long? L(int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
                nodes.Add(new ProcessNode(r.GetString(0), S(1), r.IsDBNull(2) ? null : r.GetDateTime(2), S(3), S(4), S(5), S(6), r.GetBoolean(7))
                {
                    Pid = L(8),
                    User = ProcessNode.UserOf(S(13), S(9)),
                    Parent = ParentDescription.Of(S(10), S(11), L(12)),
                    KnownFrom = knownFrom,
                });
            }
            return nodes;
        }
    }
}
