using System.Globalization;
using DuckDB.NET.Data;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Output;
using Sysmon.Ingest.Pipeline;
using Sysmon.Stores.DuckDb.Schema;
using Sysmon.Queries;

namespace Sysmon.Stores.DuckDb;

/// <summary>
/// Writes ECS documents into the events table through DuckDB's appender. Each batch is appended to a staging
/// table and moved with INSERT OR IGNORE in one transaction, so a document already stored (same event.id) is
/// counted as a duplicate and a crash mid-batch leaves nothing half-written: ingesting again stores nothing twice.
/// </summary>
public sealed class DuckDbEventSink : IEventSink
{
    private const string Staging = "events_staging";
    private readonly DuckDbStore _store;

    public DuckDbEventSink(DuckDbStore store)
    {
        _store = store;
        DuckDbSchema.Execute(store.Connection, "DROP TABLE IF EXISTS temp." + Staging);
        DuckDbSchema.Execute(store.Connection, DuckDbSchema.CreateEventsTable(Staging, staging: true));
    }

    public ValueTask<SinkResult> WriteAsync(IReadOnlyList<EcsDocument> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return ValueTask.FromResult(new SinkResult(0, 0, null));
        lock (_store.Gate) return ValueTask.FromResult(Write(batch));
    }

    private SinkResult Write(IReadOnlyList<EcsDocument> batch)
    {
        var connection = _store.Connection;
        using (var appender = connection.CreateAppender("temp", "main", Staging))
        {
            foreach (var doc in batch) AppendRow(appender, doc);
        }
        int inserted;
        using (var tx = connection.BeginTransaction())
        {
            using var cmd = connection.CreateCommand();
            // INSERT OR IGNORE also drops a second copy of an id within the batch (the same record in two exports).
            cmd.CommandText = $"INSERT OR IGNORE INTO events SELECT * FROM temp.{Staging}";
            inserted = cmd.ExecuteNonQuery();
            tx.Commit();
        }
        // Deleted rows of a temporary table keep their memory: start each batch with a fresh staging table.
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = $"DROP TABLE temp.{Staging}; " + DuckDbSchema.CreateEventsTable(Staging, staging: true);
            cmd.ExecuteNonQuery();
        }

        return new SinkResult(inserted, batch.Count - inserted, null);
    }

    private static void AppendRow(DuckDBAppender appender, EcsDocument doc)
    {
        var row = appender.CreateRow();
        foreach (var column in EventColumns.All)
        {
            switch (column.Kind)
            {
                case ColumnKind.Id:
                    row.AppendValue(doc.Id);
                    break;
                case ColumnKind.Document:
                    row.AppendValue(EcsJsonWriter.ToJson(doc));
                    break;
                case ColumnKind.IpNumber:
                    var ip = IpNumbers.From(doc.GetString(column.Field));
                    if (ip is { } n) row.AppendValue(n);
                    else row.AppendNullValue();
                    break;
                default:
                    if (!doc.TryGet(column.Field, out var value)) row.AppendNullValue();
                    else AppendValue(row, column, value);
                    break;
            }
        }
        row.EndRow();
    }

    private static void AppendValue(IDuckDBAppenderRow row, EventColumn column, EcsValue value)
    {
        switch (column.Kind)
        {
            case ColumnKind.Text:
                row.AppendValue(value.ToString());
                break;
            case ColumnKind.Long:
                if (value.Kind == EcsValueKind.Long) row.AppendValue(value.AsLong);
                else row.AppendNullValue();
                break;
            case ColumnKind.Bool:
                if (value.Kind == EcsValueKind.Bool) row.AppendValue(value.AsBool);
                else row.AppendNullValue();
                break;
            case ColumnKind.Time:
                if (value.Kind == EcsValueKind.String && DateTimeOffset.TryParse(value.AsString, CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t))
                {
                    row.AppendValue(t.UtcDateTime);
                }
                else
                {
                    row.AppendNullValue();
                }
                break;
            case ColumnKind.List:
                if (value.Kind == EcsValueKind.Strings) row.AppendValue(value.AsStrings);
                else row.AppendValue(new List<string> { value.ToString() });
                break;
            case ColumnKind.Json:
                row.AppendValue(EcsJsonWriter.ValueToJson(value));
                break;
            default:
                row.AppendNullValue();
                break;
        }
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
