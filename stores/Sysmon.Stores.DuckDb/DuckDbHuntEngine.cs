using Sysmon.Ingest;
using Sysmon.Queries;
using Sysmon.Queries.Esql;

namespace Sysmon.Stores.DuckDb;

/// <summary>Runs ES|QL on the embedded store by translation: logs-sysmon* is the events_ecs view, sysmon-indicators
/// the indicators table, logs-sysmon.alerts* the alerts table.</summary>
public sealed class DuckDbHuntEngine(DuckDbStore store) : IHuntEngine, IHuntResultStore
{
    public Task<int> SaveResultsAsync(string hunt, IReadOnlyDictionary<string, object?> parameters, DateTimeOffset runAt, HuntResult result, CancellationToken ct)
    {
        var parametersJson = HuntRows.ParametersJson(parameters);
        using (store.Enter())
        {
            var inserted = 0;
            using var tx = store.Connection.BeginTransaction();
            using var cmd = store.Connection.CreateCommand();
            cmd.CommandText = $"INSERT OR IGNORE INTO {Names.HuntResultsTable} VALUES ($id, $hunt, $run, $params, $row)";
            var id = new DuckDB.NET.Data.DuckDBParameter("id", "");
            var row = new DuckDB.NET.Data.DuckDBParameter("row", "");
            cmd.Parameters.Add(id);
            cmd.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter("hunt", hunt));
            cmd.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter("run", runAt.UtcDateTime));
            cmd.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter("params", parametersJson));
            cmd.Parameters.Add(row);
            foreach (var values in result.Rows)
            {
                var json = HuntRows.RowJson(result.Columns, values);
                id.Value = HuntRows.RowId(hunt, json);
                row.Value = json;
                inserted += cmd.ExecuteNonQuery();
            }
            tx.Commit();
            return Task.FromResult(inserted);
        }
    }

    public Task<HuntResult> RunAsync(string esql, IReadOnlyDictionary<string, object?> parameters, CancellationToken ct)
    {
        using (store.Enter())
        {
            var sql = Translate(esql, parameters);
            using var cmd = store.Connection.CreateCommand();
            cmd.CommandText = sql;
            using var reader = cmd.ExecuteReader();
            var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
            var rows = new List<object?[]>();
            while (reader.Read())
            {
                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                rows.Add(row);
            }
            return Task.FromResult(new HuntResult(columns, rows));
        }
    }

    public string Translate(string esql, IReadOnlyDictionary<string, object?> parameters) =>
        new DuckDbTranslator(Resolve, parameters, Policy).Translate(esql);

    private static readonly string[] EnrichFields =
    [
        "threat.feed.name", "threat.indicator.type", "threat.indicator.confidence", "threat.indicator.marking.tlp",
        "threat.indicator.reference", "threat.indicator.description", "value",
    ];

    // Addresses in the allow-list (private and special ranges) never match an IP indicator, as at ingest.
    private static readonly string NotAllowListed = string.Join(" AND ", Sysmon.Enrich.Indicators.IndicatorSet.DefaultAllowList
        .Select(IpNumbers.Range).Select(r => $"NOT ({{number}} BETWEEN {r.First} AND {r.Last})"));

    // The embedded store's stand-ins for the Elasticsearch enrich policies of the same names.
    private static EnrichPolicy? Policy(string name) => name switch
    {
        "sysmon-ioc-ip" => new EnrichPolicy(Names.IndicatorsTable, "threat.indicator.ip",
            "NOT i.expired AND i.kind IN ('Ipv4', 'Ipv6') AND i.ip_first = {number} AND i.ip_last = {number} AND " + NotAllowListed, EnrichFields, NeedsIpNumber: true),
        "sysmon-ioc-cidr" => new EnrichPolicy(Names.IndicatorsTable, "indicator_range",
            "NOT i.expired AND i.ip_first IS NOT NULL AND {number} BETWEEN i.ip_first AND i.ip_last AND " + NotAllowListed, EnrichFields, NeedsIpNumber: true),
        "sysmon-ioc-hash" => new EnrichPolicy(Names.IndicatorsTable, "indicator_hash",
            "NOT i.expired AND i.kind IN ('Md5', 'Sha1', 'Sha256') AND i.value = lower({value})", EnrichFields),
        "sysmon-ioc-domain" => new EnrichPolicy(Names.IndicatorsTable, "threat.indicator.url.domain",
            "NOT i.expired AND i.kind = 'Domain' AND i.value = lower({value})", EnrichFields),
        _ => null,
    };

    private static readonly WholeRowsSource WholeEvents =
        new(Schema.DuckDbSchema.WholeRowsView, new HashSet<string>(Schema.EventColumns.DocFields, StringComparer.Ordinal));

    private SourceTable Resolve(string pattern)
    {
        var table = pattern switch
        {
            _ when pattern.StartsWith("logs-sysmon.alerts", StringComparison.Ordinal) => Names.AlertsTable,
            _ when pattern.StartsWith("logs-sysmon", StringComparison.Ordinal) || pattern == "*" => "events_ecs",
            _ when pattern.StartsWith(Names.IndicatorsIndex, StringComparison.Ordinal) => Names.IndicatorsTable,
            _ when pattern.StartsWith(Names.HuntsIndex, StringComparison.Ordinal) => Names.HuntResultsTable,
            _ => throw new EsqlException($"FROM {pattern}: no such index in the embedded store (logs-sysmon*, logs-sysmon.alerts*, sysmon-indicators, sysmon-hunts)", 5),
        };
        var columns = new List<string>();
        var json = new List<string>();
        var lists = new List<string>();
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = $"DESCRIBE {table}";
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            var name = reader.GetString(0);
            columns.Add(name);
            var type = reader.GetString(1);
            if (type == "JSON") json.Add(name);
            if (type.EndsWith("[]", StringComparison.Ordinal)) lists.Add(name);
        }
        // doc holds the rest of each document, not a field: ES|QL has no such column.
        return new SourceTable(table, columns.Where(c => c != "doc").ToList(), json,
            WholeRows: table == Schema.DuckDbSchema.EventsView ? WholeEvents : null, ListColumns: lists);
    }
}
