using DuckDB.NET.Data;
using DuckDB.NET.Native;
using Sysmon.Stores.DuckDb.Schema;

namespace Sysmon.Stores.DuckDb;

/// <summary>The embedded store: one DuckDB file holding events, indicators, alerts and hunt results.</summary>
public sealed class DuckDbStore : IDisposable
{
    /// <summary>The name the store's file is attached under (queries use it unqualified after USE).</summary>
    public const string CatalogName = "store";

    /// <summary>Rows per row group: a multiple of DuckDB's vector size (2,048), an eighth of its default.</summary>
    public const int RowGroupSize = 16_384;

    public string Path { get; }
    public DuckDBConnection Connection { get; }

    /// <summary>One connection serves the worker and the feed job: whoever uses it holds this gate.</summary>
    public Lock Gate { get; } = new();

    /// <summary>DuckDB's memory limit as configured at open (null: DuckDB's own default).</summary>
    public string? MemoryLimit { get; }

    /// <summary>DuckDB's threads for queries (hunts, lookups).</summary>
    public int Threads { get; }

    /// <summary>DuckDB's threads while it loads and checkpoints a batch of events (<see cref="DuckDbEventSink"/>).</summary>
    public int LoadThreads { get; }

    /// <summary>Half the machine's cores, at least one. While DuckDB loads, the reader and mapper need cores of their
    /// own; on 2 cores one loading thread instead of two made a 1M ingest 10-25% faster with half the system time
    /// (fewer page faults: each inserting thread fills a row group of its own), same peak (bench/README.md).</summary>
    public static int DefaultLoadThreads => Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>DuckDB's memory limit while it loads (null: the store's own). DuckDB keeps what it allocated for a
    /// load up to its limit, so this bounds ingest's peak: 1M events peaked at 260 MB with 96MB, 298 MB with 128MB,
    /// 348-357 MB with 256MB, equally fast (bench/README.md). A load that does not fit is run again under
    /// <see cref="MemoryLimit"/>.</summary>
    public string? LoadMemoryLimit { get; }

    /// <summary>DuckDB's memory limit for queries and between loads: <see cref="MemoryLimit"/>, or for a store opened
    /// with boundQueries (the long-running worker) <see cref="LoadMemoryLimit"/>. The worker's scheduled hunts ran
    /// under the store's 256MB on top of its loading memory: a 1M-event store peaked at 470-492 MB during one and
    /// held 420 MB afterwards (DuckDB keeps what it cached up to its limit); the same hunt alone, 384 MB under
    /// 256MB and 246 MB under 128MB (bench/README.md).</summary>
    public string? QueryMemoryLimit { get; }

    /// <summary>Megabytes of DuckDB memory per loading thread: one thread needed more than 64MB for a load of the
    /// bench fleet (1.4 KB per event) and two more than 192MB; this leaves room for wider events.</summary>
    public const int LoadMegabytesPerThread = 128;

    // The file's absolute path (load files go beside it; a reattach opens it again).
    private readonly string _fullPath;

    private DuckDbStore(string path, string fullPath, DuckDBConnection connection, string? memoryLimit, int threads, int loadThreads,
        string? loadMemoryLimit, bool boundQueries)
    {
        QueryMemoryLimit = boundQueries && loadMemoryLimit is not null ? loadMemoryLimit : memoryLimit;
        Path = path;
        _fullPath = fullPath;
        Connection = connection;
        MemoryLimit = memoryLimit;
        Threads = threads;
        LoadThreads = loadThreads;
        LoadMemoryLimit = loadMemoryLimit;
    }

    /// <summary>Opens (creating if needed) the store at <paramref name="path"/> and brings its schema up to date.</summary>
    /// <param name="memoryLimit">DuckDB's memory limit (e.g. "256MB"), so that ingest stays within a known footprint.</param>
    /// <param name="checkpointThreshold">WAL size at which DuckDB checkpoints on its own. Rows not checkpointed yet
    /// stay in memory: the worker, which stores many small loads while it tails live files, peaked at 446 MB with 128 MB and 283 MB with 32 MB
    /// (200,000 events through the spool, same speed); `ingest` checkpoints its big loads itself and was ~20% slower
    /// with 32 MB, so it keeps 128 MB.</param>
    /// <param name="threads">DuckDB's threads for queries; default: every core.</param>
    /// <param name="loadThreads">DuckDB's threads while it stores events; default: <see cref="DefaultLoadThreads"/>.</param>
    /// <param name="loadMemoryLimit">DuckDB's memory limit while it stores events; default:
    /// <see cref="LoadMegabytesPerThread"/> per loading thread, none when <paramref name="memoryLimit"/> is null.</param>
    /// <param name="boundQueries">Queries run under the load memory limit too (<see cref="QueryMemoryLimit"/>).</param>
    public static DuckDbStore Open(string path, string? memoryLimit = "256MB", int? threads = null, string checkpointThreshold = "128MB",
        int? loadThreads = null, string? loadMemoryLimit = null, bool boundQueries = false)
    {
        var queryThreads = threads ?? Environment.ProcessorCount;
        var storeThreads = loadThreads ?? DefaultLoadThreads;
        ArgumentOutOfRangeException.ThrowIfLessThan(queryThreads, 1, nameof(threads));
        ArgumentOutOfRangeException.ThrowIfLessThan(storeThreads, 1, nameof(loadThreads));
        var full = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        DuckDbAllocator.ReturnFreedMemoryPromptly();
        DuckDBConnection? connection = null;
        try
        {
            connection = new DuckDBConnection("Data Source=:memory:");
            connection.Open();
            if (memoryLimit is not null) DuckDbSchema.Execute(connection, $"SET memory_limit = '{memoryLimit}'");
            DuckDbSchema.Execute(connection, $"SET threads = {queryThreads}");
            DuckDbSchema.Execute(connection, "SET preserve_insertion_order = false");
            DuckDbSchema.Execute(connection, $"SET checkpoint_threshold = '{checkpointThreshold}'");
            // Attached rather than opened directly, because only ATTACH takes a row group size: DuckDB holds a whole
            // row group per inserting thread in memory while it compresses it; at its default of 122,880 rows
            // (~170 MB of events) that was most of ingest's peak. 16,384 rows measured: load peak 430 -> 288 MB,
            // loads no slower (bench/README.md). The file itself is a plain DuckDB database; any client opens it.
            Attach(connection, full);
        }
        catch (DuckDBException ex)
        {
            connection?.Dispose();
            // DuckDB lets one process use a file: most often the worker (`run`) holds it while `ingest` or `query` is tried.
            var held = IsHeldElsewhere(ex);
            var next = held
                ? "; another process has it open (the worker, `run`, or an ingest?): DuckDB lets one process use a file at a time, so " +
                  "try again once it is idle (the worker lets the file go after Worker:ReleaseStoreAfter without a write) or stop it first " +
                  "(files to add can instead be dropped into that worker's spool directory)"
                : "";
            throw new StoreException($"cannot open DuckDB file {path}: {ex.Message}{next}", ex) { HeldByAnotherProcess = held };
        }
        try
        {
            DuckDbSchema.Ensure(connection, path);
            RemoveStaleLoadFiles(full);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        loadMemoryLimit ??= DefaultLoadMemoryLimit(memoryLimit, storeThreads);
        var store = new DuckDbStore(path, full, connection, memoryLimit, queryThreads, storeThreads, loadMemoryLimit, boundQueries);
        if (store.QueryMemoryLimit != memoryLimit) store.SetMemoryLimit(store.QueryMemoryLimit);
        return store;
    }

    /// <summary>Opens the store with an operator's <paramref name="options"/> (defaults where they say nothing, and
    /// <paramref name="checkpointThreshold"/> unless they name one).</summary>
    public static DuckDbStore Open(string path, DuckDbStoreOptions options, string checkpointThreshold = "128MB", bool boundQueries = false) =>
        Open(path, options.MemoryLimit ?? "256MB", options.Threads, options.CheckpointThreshold ?? checkpointThreshold, options.LoadThreads,
            options.LoadMemoryLimit, boundQueries);

    // LoadMegabytesPerThread per loading thread, but never above the store's own limit: a load that does not fit is
    // run again under that limit, which would be pointless if it were the smaller one.
    private static string? DefaultLoadMemoryLimit(string? memoryLimit, int loadThreads)
    {
        if (memoryLimit is null) return null;
        var perThreads = $"{LoadMegabytesPerThread * loadThreads}MB";
        return DuckDbStoreOptions.Bytes(perThreads) < DuckDbStoreOptions.Bytes(memoryLimit) ? perThreads : memoryLimit;
    }

    private static void Attach(DuckDBConnection connection, string full, bool use = true)
    {
        DuckDbSchema.Execute(connection, $"ATTACH {DuckDbSchema.Literal(full)} AS {CatalogName} (ROW_GROUP_SIZE {RowGroupSize})");
        if (use) DuckDbSchema.Execute(connection, $"USE {CatalogName}");
    }

    /// <summary>Stored rows after which <see cref="NoteRowsStored"/> attaches the file afresh.</summary>
    public long ReattachAfterRows { get; internal set; } = 500_000;

    /// <summary>Times the file was attached afresh (tests, logs).</summary>
    public int Reattachments { get; private set; }

    private long _rowsSinceAttach;

    /// <summary>
    /// Counts rows just stored and, every <see cref="ReattachAfterRows"/>, detaches the file and attaches it again.
    /// DuckDB keeps the metadata of every row group this process wrote in (non-jemalloc) memory: over a 5M ingest
    /// it grew from 15 to 51 MB and the peak with it (331 MB in the first fifth, 377-387 MB in the last), so that
    /// no input size was safe under a memory bound. A file attached afresh loads row groups lazily, on first use.
    /// Takes 15-21 ms. The caller holds <see cref="Gate"/>.
    /// </summary>
    internal void NoteRowsStored(long rows)
    {
        _rowsSinceAttach += rows;
        if (_rowsSinceAttach < ReattachAfterRows) return;
        _rowsSinceAttach = 0;
        _attached = false;
        EnsureAttached();
    }

    // False while the file is to be attached afresh (NoteRowsStored), or after a failed load invalidated it and
    // attaching it again failed too: the next load tries first.
    private bool _attached = true;

    /// <summary>
    /// After a failed load: a checkpoint that could not be written (a full disk) leaves the attached file
    /// "invalidated", and every later statement fails the same way even once space is back, until the file is
    /// detached and attached again. Attaching replays what the file's WAL holds, so nothing committed is lost. Should
    /// the attach fail too, the next load tries again (<see cref="EnsureAttached"/>). The caller holds <see cref="Gate"/>.
    /// </summary>
    internal void RecoverAfterFailedLoad(DuckDBException failure)
    {
        if (!failure.Message.Contains("has been invalidated", StringComparison.Ordinal)) return;
        _attached = false;
        try
        {
            EnsureAttached();
        }
        catch (StoreException)
        {
            // still no room, say: the next load tries again and reports its own failure
        }
    }

    /// <summary>Attaches the file afresh when <see cref="NoteRowsStored"/> or <see cref="RecoverAfterFailedLoad"/> asked for it.
    /// The caller holds <see cref="Gate"/>.</summary>
    internal void EnsureAttached()
    {
        if (_attached) return;
        try
        {
            using (var other = Detached())
            {
                Attach(other, _fullPath, use: false);
            }
            DuckDbSchema.Execute(Connection, $"USE {CatalogName}");
        }
        catch (DuckDBException ex)
        {
            throw new StoreException($"cannot attach DuckDB file {Path} again: {ex.Message}", ex) { HeldByAnotherProcess = IsHeldElsewhere(ex) };
        }
        _attached = true;
        _released = false;
        Reattachments++;
    }

    // A second connection to the same DuckDB instance with the file detached: the store's own connection cannot leave
    // its default database (even USE fails on an invalidated one), this one's default is the in-memory database.
    private DuckDBConnection Detached() => SecondConnection($"DETACH DATABASE IF EXISTS {CatalogName}");

    /// <summary>A second connection on the attached file, to read from while the store's own connection writes (one
    /// connection cannot: a statement run while a streamed result is open ends that result). The caller holds
    /// <see cref="Gate"/> (from <see cref="Enter"/>) and disposes this before letting go of it.</summary>
    internal DuckDBConnection ReadingConnection() => SecondConnection($"USE {CatalogName}");

    // Another connection to this DuckDB instance, open, after <paramref name="setup"/>.
    private DuckDBConnection SecondConnection(string setup)
    {
        var other = Connection.Duplicate();
        try
        {
            other.Open();
            DuckDbSchema.Execute(other, setup);
            return other;
        }
        catch
        {
            other.Dispose();
            throw;
        }
    }

    private static bool IsHeldElsewhere(DuckDBException ex) => ex.Message.Contains("Conflicting lock", StringComparison.Ordinal);

    /// <summary>Takes <see cref="Gate"/> with the file attached: attached again first when <see cref="Release"/> (or
    /// a failed load) let it go, once no other process waits for it or uses it (up to <see cref="OtherProcessWait"/>).
    /// Every use of the store's tables goes through here or through a load.</summary>
    public Lock.Scope Enter()
    {
        var deadline = DateTime.UtcNow + OtherProcessWait;
        while (true)
        {
            // Not with the gate held, so that the worker's reading, which gives way by itself, is not held up here.
            while (MustGiveWay(deadline) && !StopWaiting.WaitHandle.WaitOne(250))
            {
            }
            var scope = Gate.EnterScope();
            if (MustGiveWay(deadline) && !StopWaiting.IsCancellationRequested)
            {
                scope.Dispose(); // let go while this waited for the gate
                continue;
            }
            try
            {
                // A job the worker's stop did not wait for met a NullReferenceException from the closed connection.
                if (_disposed) throw new ObjectDisposedException(nameof(DuckDbStore), $"the DuckDB store {Path} is closed (the process stops)");
                EnsureAttached();
            }
            catch
            {
                scope.Dispose();
                throw;
            }
            return scope;
        }
    }

    // Set by Release, cleared once the file is attached again.
    private volatile bool _released;

    /// <summary>How long <see cref="Enter"/> waits, with the file let go, for another process that waits for it or uses
    /// it (<see cref="DuckDbFileRequest"/>) before it attaches the file all the same.</summary>
    public TimeSpan OtherProcessWait { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Ends that wait at once (the worker sets its stopping token here).</summary>
    public CancellationToken StopWaiting { get; set; }

    // The file let go (Release) is taken back only once no other process waits for it or uses it: the worker let it go
    // to a waiting query as a feed refresh's replace ended, the refresh took it straight back for its retro-hunt, and
    // the query waited out its 20 s and was refused.
    private bool MustGiveWay(DateTime deadline) => _released && DateTime.UtcNow < deadline && OtherProcessWaiting();

    /// <summary>
    /// Checkpoints and detaches the file, until the next use attaches it again (15-21 ms). DuckDB lets one process
    /// open a file: the worker holding it for good left `query`, `hunt` and any DuckDB client locked out for as long as
    /// it ran. The worker calls this once it has been idle for a while. True when the file was let go now.
    /// </summary>
    public bool Release()
    {
        lock (Gate)
        {
            if (!_attached) return false;
            // What the loads left in the WAL, under the load's settings as at the close; the worker queries on after.
            var loadLimit = CheckpointUnderLoadSettings();
            try
            {
                UseQuerySettings(loadLimit);
                // Off the file before another connection detaches it: a connection closed while its default database
                // was detached under it crashed the process (SIGSEGV) at the worker's stop after an idle release.
                DuckDbSchema.Execute(Connection, "USE memory");
                Detached().Dispose();
            }
            catch (DuckDBException ex)
            {
                throw new StoreException($"cannot let DuckDB file {Path} go: {ex.Message}", ex);
            }
            _attached = false;
            _released = true;
            return true;
        }
    }

    /// <summary>True while another process waits to use this file (a query, an ingest) (<see cref="DuckDbFileRequest"/>).</summary>
    public bool OtherProcessWaiting() => DuckDbFileRequest.IsPending(_fullPath);

    /// <summary>A new, unique path for a load file beside the store (see <see cref="DuckDbEventSink"/>).</summary>
    public string NewLoadFilePath() =>
        _fullPath + $".load-{Environment.ProcessId}-{Guid.NewGuid():N}.ndjson";

    // Load files left by a run that was killed (their process is gone); a live process's files are its own.
    private static void RemoveStaleLoadFiles(string full)
    {
        var prefix = System.IO.Path.GetFileName(full) + ".load-";
        foreach (var file in Directory.EnumerateFiles(System.IO.Path.GetDirectoryName(full)!, prefix + "*.ndjson"))
        {
            var pid = System.IO.Path.GetFileName(file)[prefix.Length..].Split('-')[0];
            if (int.TryParse(pid, out var id) && IsRunning(id)) continue;
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // harmless: the next open tries again
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public long Count(string table = "events")
    {
        using var entered = Enter();
        using var cmd = Connection.CreateCommand();
        cmd.CommandText = $"SELECT count(*) FROM {table}";
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>DuckDB's threads and memory limit for a load (<see cref="LoadThreads"/>, <see cref="LoadMemoryLimit"/>);
    /// the limit now in force: the load's, or the store's own when DuckDB refused to lower it (it held more than it
    /// could evict). The caller holds <see cref="Gate"/>.</summary>
    internal string? UseLoadSettings()
    {
        if (LoadThreads != Threads) DuckDbSchema.Execute(Connection, $"SET threads = {LoadThreads}");
        if (LoadMemoryLimit is not { } limit || limit == MemoryLimit) return MemoryLimit;
        return limit == QueryMemoryLimit || TrySetMemoryLimit(limit) ? limit : QueryMemoryLimit;
    }

    /// <summary>Queries (hunts, the feed job) get every thread and <see cref="QueryMemoryLimit"/> back, after a load
    /// that ran under <paramref name="loadLimit"/>. Lowering the limit is refused while DuckDB holds more than it can
    /// evict; it then stays higher until the next load ends.</summary>
    internal void UseQuerySettings(string? loadLimit)
    {
        if (LoadThreads != Threads) DuckDbSchema.Execute(Connection, $"SET threads = {Threads}");
        if (loadLimit == QueryMemoryLimit) return;
        if (QueryMemoryLimit is { } limit) TrySetMemoryLimit(limit);
        else SetMemoryLimit(null);
    }

    /// <summary>Runs <paramref name="work"/>, bulk work that can run again whole, under the load settings: a feed's
    /// replacement (one transaction of its own, rolled back when it fails) or a retro-hunt (which stores nothing twice).
    /// Work that runs out of memory there is run again under the store's own limit. The caller holds <see cref="Gate"/>.</summary>
    internal T UnderLoadSettings<T>(Func<T> work)
    {
        var limit = UseLoadSettings();
        try
        {
            return work();
        }
        catch (DuckDBException ex) when (IsOutOfMemory(ex) && limit != MemoryLimit)
        {
            WorkRetried++;
            SetMemoryLimit(MemoryLimit);
            limit = MemoryLimit;
            return work();
        }
        finally
        {
            UseQuerySettings(limit);
        }
    }

    internal static bool IsOutOfMemory(DuckDBException ex) => ex.ErrorType == DuckDBErrorType.OutOfMemory;

    /// <summary>Work that did not fit the load limit in <see cref="UnderLoadSettings"/> and was run again (tests).</summary>
    internal int WorkRetried { get; private set; }

    internal void SetMemoryLimit(string? limit) =>
        DuckDbSchema.Execute(Connection, limit is null ? "RESET memory_limit" : $"SET memory_limit = '{limit}'");

    private bool TrySetMemoryLimit(string limit)
    {
        try
        {
            SetMemoryLimit(limit);
            return true;
        }
        catch (DuckDBException)
        {
            return false;
        }
    }

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        CheckpointUnderLoadSettings();
        Connection.Dispose();
    }

    /// <summary>Writes what is not checkpointed yet (a last, small load; a worker's loads) under the load's threads
    /// and memory limit, not under the query settings DuckDB's own close would use: a checkpoint that merges small
    /// neighbouring row groups compresses them again (on a 10M store, 44,000 rows: +170 MB and 1.4 s on one thread,
    /// bench/README.md). Should this fail, the close checkpoints as before. Returns the load limit set (for
    /// <see cref="UseQuerySettings"/>), the load settings being left in force.</summary>
    internal string? CheckpointUnderLoadSettings()
    {
        lock (Gate)
        {
            string? loadLimit = null;
            try
            {
                loadLimit = UseLoadSettings();
                DuckDbSchema.Execute(Connection, "CHECKPOINT");
            }
            catch (Exception ex) when (ex is DuckDBException or InvalidOperationException)
            {
                // out of memory under the load limit, or a connection that already failed: the close (or the detach)
                // checkpoints
            }
            return loadLimit;
        }
    }
}
