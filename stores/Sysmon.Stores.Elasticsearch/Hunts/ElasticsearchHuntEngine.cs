using System.Text.Json;
using System.Text.RegularExpressions;
using Sysmon.Ingest;
using Sysmon.Ingest.Ecs;
using Sysmon.Queries;
using Sysmon.Stores.Elasticsearch.Connection;
using Sysmon.Stores.Elasticsearch.Writing;
using EsMethod = Elastic.Transport.HttpMethod;

namespace Sysmon.Stores.Elasticsearch.Hunts;

/// <summary>
/// Runs ES|QL on Elasticsearch as written: the hunt text goes to <c>_query</c> unchanged, its <c>?name</c> parameters
/// as named <c>params</c>. Scheduled results go to the <c>sysmon-hunts</c> index, one document per row with the same
/// content-derived id as the embedded store uses, so a row reported by an earlier run is not reported again.
/// </summary>
public sealed partial class ElasticsearchHuntEngine(ElasticsearchConnection es, BulkWriterOptions? bulk = null) : IHuntEngine, IHuntResultStore
{
    private readonly BulkWriter _writer = new(es, bulk);

    [GeneratedRegex(@"\?([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Placeholder();

    public async Task<HuntResult> RunAsync(string esql, IReadOnlyDictionary<string, object?> parameters, CancellationToken ct)
    {
        var (response, warnings) = await es.SendWithWarningsAsync(EsMethod.POST, "_query?format=json", Body(esql, parameters), ct).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            var (type, reason) = ErrorReason.Read(response.Body);
            throw new ElasticsearchRequestException($"ES|QL on {es.DisplayUrl}: {reason}", response.Status, type);
        }
        var result = EsqlResponse.Read(response.Body, out var partial);
        // A hunt that silently misses rows is worse than one that fails: say which and let the caller retry.
        if (partial) throw new ElasticsearchRequestException($"ES|QL on {es.DisplayUrl} answered with partial results (is_partial: some shards failed); not using them", 503);
        // ES|QL's warnings (values treated as null) come in Warning headers, beside the rows.
        return warnings.Count > 0 ? result with { Warnings = warnings } : result;
    }

    /// <summary>The <c>_query</c> body: only parameters the query names are sent; times as ISO-8601 UTC.</summary>
    public static byte[] Body(string esql, IReadOnlyDictionary<string, object?> parameters)
    {
        var used = Placeholder().Matches(esql).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("query", esql);
            w.WriteStartArray("params");
            foreach (var (name, value) in parameters)
            {
                if (!used.Contains(name)) continue;
                w.WriteStartObject();
                w.WritePropertyName(name);
                switch (value)
                {
                    case null: w.WriteNullValue(); break;
                    case bool b: w.WriteBooleanValue(b); break;
                    case long or int or short: w.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)); break;
                    case double or float or decimal: w.WriteNumberValue(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)); break;
                    default: w.WriteStringValue(HuntValue.ToText(value)); break;
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return stream.ToArray();
    }

    public async Task<IReadOnlyList<StoredHuntRows>> StoredRowsAsync(CancellationToken ct)
    {
        var result = await RunAsync($"FROM {Names.HuntsIndex} | STATS rows = COUNT(*), last_run = MAX(@timestamp) BY hunt | SORT hunt | LIMIT 10000",
            new Dictionary<string, object?>(), ct).ConfigureAwait(false);
        // EsqlResponse gives dates as UTC DateTime and longs as long, as the DuckDB engine does.
        return result.Rows.Select(r => new StoredHuntRows((string)r[2]!, (long)r[0]!, new DateTimeOffset(DateTime.SpecifyKind((DateTime)r[1]!, DateTimeKind.Utc)))).ToList();
    }

    public async Task<int> SaveResultsAsync(string hunt, IReadOnlyDictionary<string, object?> parameters, DateTimeOffset runAt, HuntResult result, CancellationToken ct)
    {
        var docs = new List<EcsDocument>(result.Rows.Count);
        foreach (var values in result.Rows)
        {
            var doc = new EcsDocument { Id = HuntRows.RowId(hunt, HuntRows.RowJson(result.Columns, values)) };
            doc.Set("@timestamp", HuntValue.ToText(runAt)!);
            doc.Set("hunt", hunt);
            doc.Set("row_id", doc.Id);
            foreach (var (name, value) in parameters) if (HuntValue.ToText(value) is { } text) doc.Set("parameters." + name, text);
            for (var i = 0; i < result.Columns.Count; i++)
            {
                if (HuntValue.ToText(values[i]) is { } text) doc.Set("row." + result.Columns[i], text);
            }
            docs.Add(doc);
        }
        var outcome = await _writer.WriteAsync(Names.HuntsIndex, docs, ct).ConfigureAwait(false);
        if (outcome.Rejected.Count > 0)
        {
            throw new ElasticsearchRequestException($"{Names.HuntsIndex} refused {outcome.Rejected.Count} row(s) of hunt {hunt}: {outcome.Rejected[0].Reason}", 400);
        }
        return outcome.Stored;
    }
}
