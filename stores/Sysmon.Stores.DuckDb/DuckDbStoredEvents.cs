using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DuckDB.NET.Data;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Pipeline;
using Sysmon.Stores.DuckDb.Schema;

namespace Sysmon.Stores.DuckDb;

/// <summary>
/// The events table read back as whole ECS documents, one row group at a time: doc parsed, then each typed column set
/// as the field it was taken from, then host.os as the views compute it. A thread of its own reads and converts while
/// the copy writes, and hands the documents on through a small queue, so that they die young (a page of 16,384
/// documents held at once outlived gen 0: 11 s of 32 s were GC pauses). Positions are rowids: the store only ever
/// appends, so rowids stay put while it grows. DuckDB returns a page's rows in any order (the store does not preserve
/// insertion order), so every event but a page's last carries the position before its page, and the last the page's
/// end: a copy stopped mid-page reads that page again, and the destination skips the events it holds.
/// </summary>
public sealed class DuckDbStoredEvents(DuckDbStore store) : IStoredEventSource
{
    // The typed columns, without the IP numbers (computed from the IP text, which is a column too).
    private static readonly EventColumn[] Columns = [.. EventColumns.All.Where(c => c.Kind is not (ColumnKind.IpNumber or ColumnKind.Document or ColumnKind.Id))];

    // No ORDER BY: sorting a page's documents took DuckDB 17 s of a 1M read, against 6 s for the rows as they come.
    private static readonly string PageQuery =
        $"SELECT id, doc, {string.Join(", ", Columns.Select(c => c.Quoted))}, rowid FROM {Sysmon.Ingest.Names.EventsTable} " +
        "WHERE rowid >= $low AND rowid < $high";

    // The page query's rowid column, last: a page's last event carries the id of the row at the page's end.
    private static readonly int RowIdOrdinal = Columns.Length + 2;

    /// <summary>Rows read at a time: one row group, so that a page is a range DuckDB reads without scanning others.</summary>
    public int PageRows { get; init; } = DuckDbStore.RowGroupSize;

    // Documents read ahead of the copy: enough to keep both threads busy, few enough to stay in gen 0.
    private const int ReadAhead = 256;

    public Task<long> CountAsync(string? after, CancellationToken ct)
    {
        using var entered = store.Enter();
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = $"SELECT count(*) FROM {Sysmon.Ingest.Names.EventsTable} WHERE rowid >= $low";
        cmd.Parameters.Add(new DuckDBParameter("low", First(after)));
        return Task.FromResult(Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture));
    }

    public Task<string?> IdAtAsync(string position, CancellationToken ct) => Task.FromResult(IdAtRow(First(position) - 1));

    private string? IdAtRow(long row)
    {
        if (row < 0) return null;
        using var entered = store.Enter();
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = $"SELECT id FROM {Sysmon.Ingest.Names.EventsTable} WHERE rowid = $row";
        cmd.Parameters.Add(new DuckDBParameter("row", row));
        return cmd.ExecuteScalar() as string;
    }

    public async IAsyncEnumerable<StoredEvent> ReadAsync(string? after, [EnumeratorCancellation] CancellationToken ct)
    {
        var low = First(after);
        var last = LastRow();
        if (low > last) yield break;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var queue = Channel.CreateBounded<StoredEvent>(new BoundedChannelOptions(ReadAhead) { SingleReader = true, SingleWriter = true });
        var reader = Task.Factory.StartNew(() => Produce(low, last, queue.Writer, stop.Token), stop.Token,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await foreach (var stored in queue.Reader.ReadAllAsync(ct).ConfigureAwait(false)) yield return stored;
        }
        finally
        {
            stop.Cancel(); // the copy stopped early (an error, Ctrl+C): the reading thread stops too
            await reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private long LastRow()
    {
        using var entered = store.Enter();
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = $"SELECT coalesce(max(rowid), -1) FROM {Sysmon.Ingest.Names.EventsTable}";
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static long First(string? after)
    {
        if (after is null) return 0;
        if (!long.TryParse(after, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var row) || row < -1)
        {
            throw new FormatException($"'{after}' is not a position in a DuckDB store (a row number)");
        }
        return row + 1;
    }

    // The reading thread: pages from low to last (aligned to row groups after the first), each converted row queued.
    private void Produce(long low, long last, ChannelWriter<StoredEvent> queue, CancellationToken ct)
    {
        Exception? failure = null;
        try
        {
            var json = new EcsJsonReader();
            // The ids at the positions events carry, for the copy's checkpoints: asked for here, where the copy never
            // waits on this thread, not at a checkpoint, when this thread may wait on the copy with the store held.
            var beforeId = IdAtRow(low - 1);
            while (low <= last)
            {
                var high = Math.Min((low / PageRows + 1) * PageRows, last + 1);
                var before = (low - 1).ToString(CultureInfo.InvariantCulture);
                StoredEvent? held = null; // one behind, so that the page's last event can carry the page's end
                string? endId = null;
                using (store.Enter())
                {
                    using var cmd = store.Connection.CreateCommand();
                    cmd.CommandText = PageQuery;
                    cmd.Parameters.Add(new DuckDBParameter("low", low));
                    cmd.Parameters.Add(new DuckDBParameter("high", high));
                    using var r = cmd.ExecuteReader();
                    while (r.Read())
                    {
                        if (held is not null) Enqueue(queue, held, ct);
                        held = Row(r, json, before, beforeId);
                        if (r.GetInt64(RowIdOrdinal) == high - 1) endId = held.Id;
                    }
                }
                if (held is not null) Enqueue(queue, held with { Position = (high - 1).ToString(CultureInfo.InvariantCulture), PositionId = endId }, ct);
                beforeId = endId;
                low = high;
            }
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        queue.TryComplete(failure);
    }

    private static void Enqueue(ChannelWriter<StoredEvent> queue, StoredEvent stored, CancellationToken ct)
    {
        while (!queue.TryWrite(stored))
        {
            if (!queue.WaitToWriteAsync(ct).AsTask().GetAwaiter().GetResult()) throw new OperationCanceledException(ct);
        }
    }

    private static StoredEvent Row(DuckDBDataReader r, EcsJsonReader json, string position, string? positionId)
    {
        var id = r.GetString(0);
        var text = r.GetString(1);
        try
        {
            return new StoredEvent(position, id, Document(r, json, text, id)) { PositionId = positionId };
        }
        catch (FormatException ex)
        {
            return new StoredEvent(position, id, null, ex.Message, text) { PositionId = positionId };
        }
    }

    /// <summary>For the bench: the same page queries with every value fetched and nothing converted; the rows read.</summary>
    internal long ScanValuesOnly()
    {
        long rows = 0, last = LastRow();
        for (var low = 0L; low <= last; low += PageRows)
        {
            using var entered = store.Enter();
            using var cmd = store.Connection.CreateCommand();
            cmd.CommandText = PageQuery;
            cmd.Parameters.Add(new DuckDBParameter("low", low));
            cmd.Parameters.Add(new DuckDBParameter("high", low + PageRows));
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                for (var i = 0; i < r.FieldCount; i++) if (!r.IsDBNull(i)) _ = r.GetValue(i);
                rows++;
            }
        }
        return rows;
    }

    // The row as the document the sink split it from.
    private static EcsDocument Document(DuckDBDataReader r, EcsJsonReader json, string text, string id)
    {
        var doc = json.Read(text);
        doc.Id = id;
        for (var i = 0; i < Columns.Length; i++)
        {
            var ordinal = i + 2;
            if (r.IsDBNull(ordinal)) continue;
            var column = Columns[i];
            switch (column.Kind)
            {
                case ColumnKind.Text:
                    doc.Set(column.Field, r.GetString(ordinal));
                    break;
                case ColumnKind.Long:
                    doc.Set(column.Field, r.GetInt64(ordinal));
                    break;
                case ColumnKind.Bool:
                    doc.Set(column.Field, r.GetBoolean(ordinal));
                    break;
                case ColumnKind.Time:
                    doc.Set(column.Field, Time(r.GetDateTime(ordinal)));
                    break;
                case ColumnKind.List:
                    doc.Set(column.Field, EcsValue.Of(r.GetFieldValue<List<string>>(ordinal)));
                    break;
                case ColumnKind.Json:
                    if (json.ReadValue(column.Field, r.GetString(ordinal)) is { } value) doc.Set(column.Field, value);
                    break;
            }
        }
        EcsMapper.SetHostFields(doc, doc.GetString("winlog.channel"), doc.GetString("host.name"), doc.GetString("host.id"));
        return doc;
    }

    // The mapper writes milliseconds; a time given finer (another tool's @timestamp) keeps its microseconds.
    private static string Time(DateTime utc)
    {
        var t = new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
        return utc.Ticks % TimeSpan.TicksPerMillisecond == 0
            ? SysmonTime.FormatMillis(t)
            : utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
    }
}
