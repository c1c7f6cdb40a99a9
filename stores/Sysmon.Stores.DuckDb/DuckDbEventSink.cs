using DuckDB.NET.Data;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Pipeline;
using Sysmon.Stores.DuckDb.Loading;
using Sysmon.Stores.DuckDb.Schema;

namespace Sysmon.Stores.DuckDb;

/// <summary>
/// Writes ECS documents into the events table. Documents go to a load file beside the store and DuckDB's JSON
/// reader inserts them in one statement, leaving out ids already stored: ingesting the same input twice stores
/// nothing twice, and a statement is atomic, so a crash mid-load leaves nothing half-written.
/// <see cref="SinkMode.Immediate"/> loads every batch before the write returns;
/// <see cref="SinkMode.Bulk"/> loads every <see cref="RowsPerLoad"/> documents and at flush (the worker flushes before
/// it checkpoints its offsets), because DuckDB
/// writes large loads straight into compressed row groups, while many small ones rewrite the last row group at
/// every checkpoint.
/// </summary>
public sealed class DuckDbEventSink(DuckDbStore store, SinkMode mode = SinkMode.Immediate) : IEventSink
{
    /// <summary>Documents per load in bulk mode: eight of the store's row groups. Each load has fixed costs (the scan
    /// of the stored ids, a checkpoint); under the load memory limit bigger loads add only the sink's own id list:
    /// 1M events took 27-32 s at 309-318 MB with 131,072, 31-38 s at 292-308 MB with 65,536 and 27 s at 351 MB
    /// with 262,144 (bench/README.md).</summary>
    public int RowsPerLoad { get; init; } = 131_072;

    /// <summary>Called with the load file's path just before DuckDB reads it (tests damage it here).</summary>
    internal Action<string>? BeforeLoad { get; init; }

    private EventLoadFile? _file;
    // The memory of finished load files, for the next ones (a file is disposed on the loading thread).
    private readonly System.Collections.Concurrent.ConcurrentStack<LoadFileBuffers> _spareBuffers = new();
    // Bulk mode: the load of the previous file runs while the next one is written (at most one at a time).
    private Task<SinkResult>? _loading;
    private List<SinkRejection>? _refused;
    private int _duplicates;

    public async ValueTask<SinkResult> WriteAsync(IReadOnlyList<EcsDocument> batch, CancellationToken cancellationToken)
    {
        SinkResult loaded = default; // loads that ended while this batch was being added
        foreach (var doc in batch)
        {
            _file ??= new EventLoadFile(store.NewLoadFilePath(), _spareBuffers.TryPop(out var b) ? b : null, _spareBuffers.Push);
            switch (_file.Add(doc))
            {
                case LineResult.Duplicate:
                    _duplicates++;
                    break;
                case LineResult.NoId:
                    (_refused ??= []).Add(new SinkRejection(doc, "document without event.id"));
                    break;
                case LineResult.NoTimestamp:
                    (_refused ??= []).Add(new SinkRejection(doc, "document without a valid @timestamp"));
                    break;
            }
            // Cut at exactly RowsPerLoad, mid-batch if need be, so that a load fills whole row groups. A load that
            // left a few rows over (131,100 from batches of 100) left a small row group after it, and DuckDB's
            // checkpoint merges small neighbouring row groups: the next partial load (the last of an ingest) had
            // 44,000 rows rewritten in its checkpoint, 1.4 s and +170 MB on a 10M store (bench/README.md).
            if (mode == SinkMode.Bulk && _file.Count >= RowsPerLoad) loaded = Add(loaded, await StartLoadingAsync().ConfigureAwait(false));
        }
        var result = TakeCounts();
        if (mode == SinkMode.Immediate) return Add(result, Load(TakeFile()));
        if (_loading is { IsCompleted: true }) result = Add(result, await TakeLoadingAsync().ConfigureAwait(false));
        return Add(result, loaded);
    }

    // Bulk mode: waits for the load under way (one at a time) and returns what it stored, then starts loading the
    // file just filled.
    private async Task<SinkResult> StartLoadingAsync()
    {
        var finished = await TakeLoadingAsync().ConfigureAwait(false);
        var file = TakeFile();
        _loading = Task.Run(() => Load(file), CancellationToken.None);
        return finished;
    }

    public async ValueTask<SinkResult> FlushAsync(CancellationToken cancellationToken)
    {
        var result = Add(TakeCounts(), await TakeLoadingAsync().ConfigureAwait(false));
        return Add(result, Load(TakeFile()));
    }

    public async ValueTask<SinkResult> SettleAsync(CancellationToken cancellationToken) =>
        Add(TakeCounts(), await TakeLoadingAsync().ConfigureAwait(false));

    private EventLoadFile? TakeFile()
    {
        var file = _file;
        _file = null;
        return file;
    }

    private async Task<SinkResult> TakeLoadingAsync()
    {
        if (_loading is not { } loading) return default;
        _loading = null;
        return await loading.ConfigureAwait(false);
    }

    private SinkResult TakeCounts()
    {
        var result = new SinkResult(0, _duplicates, _refused);
        _duplicates = 0;
        _refused = null;
        return result;
    }

    private static SinkResult Add(SinkResult a, SinkResult b) =>
        new(a.Stored + b.Stored, a.Duplicates + b.Duplicates,
            a.Rejected is null ? b.Rejected : b.Rejected is null ? a.Rejected : [.. a.Rejected, .. b.Rejected]);

    private SinkResult Load(EventLoadFile? file)
    {
        if (file is null) return default;
        using (file)
        {
            if (file.Count == 0) return default;
            file.Complete();
            lock (store.Gate)
            {
                store.EnsureAttached();
                UseLoadSettings();
                try
                {
                    return StoreUnderGate(file);
                }
                catch (DuckDBException ex)
                {
                    store.RecoverAfterFailedLoad(ex); // the load is lost either way; the store must take the next one
                    throw;
                }
                finally
                {
                    UseQuerySettings();
                }
            }
        }
    }

    // The memory limit in force during the current load: the store's load limit, or its own limit after a load
    // did not fit (or DuckDB refused to lower it).
    private string? _loadLimit;

    private void UseLoadSettings() => _loadLimit = store.UseLoadSettings();

    private void UseQuerySettings() => store.UseQuerySettings(_loadLimit);

    private void SetMemoryLimit(string? limit) => store.SetMemoryLimit(limit);

    /// <summary>Load statements (insert, checkpoint) that did not fit the load limit and were run again under the
    /// store's own (tests).</summary>
    internal int LoadsRetried { get; private set; }

    // Runs a load's statement under the load limit; one that runs out of memory there is run again under the store's
    // own limit (a failed statement is rolled back whole).
    private T UnderLoadLimit<T>(Func<T> statement)
    {
        try
        {
            return statement();
        }
        catch (DuckDBException ex) when (DuckDbStore.IsOutOfMemory(ex) && _loadLimit != store.MemoryLimit)
        {
            LoadsRetried++;
            SetMemoryLimit(store.MemoryLimit);
            _loadLimit = store.MemoryLimit;
            return statement();
        }
    }

    // Under the store's gate: the load's ids, the duplicate check, the insert and (for a full load) the checkpoint.
    private SinkResult StoreUnderGate(EventLoadFile file)
    {
        BeforeLoad?.Invoke(file.Path);
        Execute(EventLoadStatement.CreateLoadIds);
        using (var appender = store.Connection.CreateAppender("temp", "main", EventLoadStatement.LoadIds))
        {
            foreach (var id in file.Ids) appender.CreateRow().AppendValue(id).EndRow();
        }
        FindStoredIds(file.TimeRange);
        var result = UnderLoadLimit(() => Insert(file));
        // A full bulk load is checkpointed at once: the file stays compact (1M events: 483 MB instead of 800 MB)
        // and nothing is left for the close (7 s at the end of a 1M ingest). Small ones (a worker's tailed
        // lines, the last of an ingest) are left to DuckDB's own checkpoints: each would rewrite the table's
        // last row group.
        if (mode == SinkMode.Bulk && file.Count >= RowsPerLoad / 2) UnderLoadLimit(() => Execute("CHECKPOINT"));
        store.NoteRowsStored(result.Stored);
        return result;
    }

    /// <summary>DuckDB's memory limit while the store's ids are scanned: the scan needs the load's ids and a few
    /// blocks, and what it reads stays cached up to the limit in force; this bounds that cache whatever the store's
    /// size (1M store, 123,000 ids: fine at 32 MB, out of memory at 16 MB). Should a machine's DuckDB need more
    /// (more threads, more partitions), the scan is run again under the load's limit.</summary>
    internal string IdScanMemoryLimit { get; init; } = "32MB";

    /// <summary>Scans that had to be run again under the load's limit (tests).</summary>
    internal int IdScansRetried { get; private set; }

    private void FindStoredIds((DateTime From, DateTime To)? range)
    {
        if (_loadLimit is not null)
        {
            try
            {
                SetMemoryLimit(IdScanMemoryLimit); // refused if DuckDB holds more that it cannot evict
                Execute(EventLoadStatement.CreateStoredIds(range));
                return;
            }
            catch (DuckDBException)
            {
                IdScansRetried++; // too small here: again below, under the load's limit
            }
            finally
            {
                SetMemoryLimit(_loadLimit);
            }
        }
        Execute(EventLoadStatement.CreateStoredIds(range));
    }

    private SinkResult Insert(EventLoadFile file)
    {
        try
        {
            var inserted = Execute(EventLoadStatement.Insert(file.Path, ignoreErrors: false));
            return new SinkResult(inserted, file.Count - inserted, null);
        }
        catch (DuckDBException ex) when (!DuckDbStore.IsOutOfMemory(ex))
        {
            // Some line DuckDB cannot read: name those lines, load the others.
            var lines = file.LinesOtherThan(ReadableOrdinals(file.Path));
            if (lines.Count == 0) throw;
            var reason = "the embedded store could not read this row: " + ex.Message.Split('\n')[0];
            var refused = lines.Select(doc => new SinkRejection(doc, reason)).ToList();
            var inserted = Execute(EventLoadStatement.Insert(file.Path, ignoreErrors: true));
            return new SinkResult(inserted, file.Count - refused.Count - inserted, refused);
        }
    }

    private int Execute(string sql) => DuckDbSchema.Execute(store.Connection, sql);

    private int _loadsRetriedTold;
    private int _idScansRetriedTold;

    /// <summary>Loads that needed more than the load memory limit since the last call: their memory went above what
    /// README promises for a run, so the operator hears of it (wider events than the bench fleet's can do this).
    /// The id scan's retries cost only time and memory within the load's limit: told too, but as what they are.</summary>
    public IReadOnlyList<string> TakeWarnings()
    {
        List<string>? warnings = null;
        if (LoadsRetried > _loadsRetriedTold)
        {
            (warnings ??= []).Add($"{Count(LoadsRetried - _loadsRetriedTold, "DuckDB load")} did not fit in the load memory limit " +
                $"({store.LoadMemoryLimit}) and ran again under the store's own ({store.MemoryLimit ?? "DuckDB's default"}): " +
                "memory peaked above the usual; unusually wide events need more memory per load, which the store's options give " +
                "(e.g. duckdb:PATH?memory_limit=512MB&load_memory_limit=256MB)");
            _loadsRetriedTold = LoadsRetried;
        }
        if (IdScansRetried > _idScansRetriedTold)
        {
            (warnings ??= []).Add($"{Count(IdScansRetried - _idScansRetriedTold, "scan")} of the stored ids did not fit in " +
                $"{IdScanMemoryLimit} and ran again under the load memory limit (slower loads, no other effect)");
            _idScansRetriedTold = IdScansRetried;
        }
        return warnings ?? [];
    }

    private static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    private HashSet<long> ReadableOrdinals(string path)
    {
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = EventLoadStatement.ReadableOrdinals(path);
        using var reader = cmd.ExecuteReader();
        var ordinals = new HashSet<long>();
        while (reader.Read()) ordinals.Add(reader.GetInt64(0));
        return ordinals;
    }

    /// <summary>Documents not loaded yet (bulk mode without a flush: a cancelled or failed run) are dropped with
    /// their file; running the same ingest again stores them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_loading is { } loading)
        {
            _loading = null;
            try
            {
                await loading.ConfigureAwait(false);
            }
            catch (DuckDBException)
            {
                // the run is ending anyway and has reported its failure
            }
        }
        _file?.Dispose();
        _file = null;
    }
}
