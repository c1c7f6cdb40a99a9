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

    public Task<IReadOnlyList<StoredHuntRows>> StoredRowsAsync(CancellationToken ct)
    {
        using (store.Enter())
        {
            using var cmd = store.Connection.CreateCommand();
            cmd.CommandText = $"SELECT hunt, count(*), max(run_at) FROM {Names.HuntResultsTable} GROUP BY hunt ORDER BY hunt";
            using var reader = cmd.ExecuteReader();
            var stored = new List<StoredHuntRows>();
            while (reader.Read())
            {
                stored.Add(new StoredHuntRows(reader.GetString(0), reader.GetInt64(1), new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc))));
            }
            return Task.FromResult<IReadOnlyList<StoredHuntRows>>(stored);
        }
    }

    public Task<HuntResult> RunAsync(string esql, IReadOnlyDictionary<string, object?> parameters, CancellationToken ct)
    {
        using (store.Enter())
        {
            var translator = Translator(parameters);
            var sql = translator.Translate(esql);
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
            var warnings = Warnings(translator.WarningProbes);
            return Task.FromResult(new HuntResult(columns, rows, warnings.Count > 0 ? warnings : null));
        }
    }

    public string Translate(string esql, IReadOnlyDictionary<string, object?> parameters) => Translator(parameters).Translate(esql);

    // The warnings whose probe finds a row: ES|QL warns only when a row meets the case.
    private List<string> Warnings(IReadOnlyList<WarningProbe> probes)
    {
        var warnings = new List<string>();
        foreach (var probe in probes)
        {
            using var cmd = store.Connection.CreateCommand();
            cmd.CommandText = probe.Sql;
            if (cmd.ExecuteScalar() is not null) warnings.Add(probe.Warning);
        }
        return warnings;
    }

    private DuckDbTranslator Translator(IReadOnlyDictionary<string, object?> parameters)
    {
        // The tables described for this query (a FROM may name one through several patterns).
        var described = new Dictionary<string, SourceTable>(StringComparer.Ordinal);
        return new DuckDbTranslator(p => Resolve(p, described), parameters, Policy, KnownIndices);
    }

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

    /// <summary>The names this store answers to, as the error for a FROM that names none lists them.</summary>
    public const string KnownIndices = "logs-sysmon*, logs-windows.sysmon_operational*, winlogbeat*, logs-sysmon.alerts*, sysmon-indicators, sysmon-hunts";

    // The embedded store's table for an index pattern, or null. Besides this project's names, the events answer to the
    // names Elastic's Windows integration (logs-windows.sysmon_operational-*) and Winlogbeat (winlogbeat-*) give Sysmon
    // data, whose ECS mapping the events follow: Elastic's detection rules then run as they are written.
    private SourceTable? Resolve(string pattern, Dictionary<string, SourceTable> described)
    {
        var table = pattern switch
        {
            _ when pattern.StartsWith("logs-sysmon.alerts", StringComparison.Ordinal) => Names.AlertsTable,
            _ when pattern == "*" || EventNames.Any(n => pattern.StartsWith(n, StringComparison.Ordinal)) => Schema.DuckDbSchema.EventsView,
            _ when pattern.StartsWith(Names.IndicatorsIndex, StringComparison.Ordinal) => Names.IndicatorsTable,
            _ when pattern.StartsWith(Names.HuntsIndex, StringComparison.Ordinal) => Names.HuntResultsTable,
            _ => null,
        };
        if (table is null) return null;
        if (described.TryGetValue(table, out var known)) return known;
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
        // doc holds the rest of each document, not a field: ES|QL has no such column. The events' id is the store's copy
        // of event.id (METADATA _id reads it). The numeric IP twins stay, as ENRICH and CIDR_MATCH after a KEEP need them.
        var events = table == Schema.DuckDbSchema.EventsView;
        var hidden = events ? HiddenEventColumns : [];
        var source = new SourceTable(table, columns.Where(c => c != "doc" && !hidden.Contains(c)).ToList(), json, hidden,
            WholeRows: events ? WholeEvents : null, ListColumns: lists, Index: ElasticsearchName(table), IdColumn: "id",
            JsonKeys: column => JsonKeys(table, column), DocumentSql: events ? Schema.EventColumns.DocumentSql : null);
        described[table] = source;
        return source;
    }

    private static readonly string[] HiddenEventColumns = ["id"];

    // The events' names: this project's, then Elastic's Windows integration's and Winlogbeat's for Sysmon data.
    private static readonly string[] EventNames = ["logs-sysmon", "logs-windows.sysmon_operational", "winlogbeat"];

    // Every key under a JSON column across the table, as Elasticsearch maps each as a subfield: a scan of the column
    // (0.6 s over 1M events), run only for a KEEP wildcard inside it.
    private List<string> JsonKeys(string table, string column)
    {
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = $"SELECT DISTINCT unnest(json_keys({DuckDbTranslator.Quote(column)})) AS k FROM {table} ORDER BY k";
        using var reader = cmd.ExecuteReader();
        var keys = new List<string>();
        while (reader.Read()) keys.Add(reader.GetString(0));
        return keys;
    }

    // Where Elasticsearch keeps the same data (METADATA _index).
    private static string ElasticsearchName(string table) => table switch
    {
        Names.AlertsTable => Names.AlertsDataStream,
        Names.IndicatorsTable => Names.IndicatorsIndex,
        Names.HuntResultsTable => Names.HuntsIndex,
        _ => Names.EventsDataStream,
    };
}
