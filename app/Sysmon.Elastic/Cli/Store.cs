using Sysmon.Enrich;
using Sysmon.Ingest;
using Sysmon.Ingest.Pipeline;
using Sysmon.Queries;
using Sysmon.Queries.Lineage;
using Sysmon.Stores.DuckDb;
using Sysmon.Stores.Elasticsearch;
using Sysmon.Stores.Elasticsearch.Connection;
using Sysmon.Stores.Elasticsearch.Hunts;
using Sysmon.Stores.Elasticsearch.Indicators;

namespace Sysmon.Elastic.Cli;

/// <summary>
/// The one place that chooses a store (architecture.md: "only app/ chooses a store"): the ports every command needs,
/// implemented by DuckDB or by Elasticsearch, picked from <c>--store</c>.
/// </summary>
public sealed class Store : IDisposable
{
    private readonly IDisposable? _owner;

    private Store(StoreLocation location, IIndicatorStore indicators, IHuntEngine hunts, IHuntResultStore huntResults, IProcessLookup processes,
        Func<SinkMode, IEventSink> eventSink, Func<CancellationToken, Task<long>> countEvents, IDisposable? owner)
    {
        Location = location;
        Indicators = indicators;
        Hunts = hunts;
        HuntResults = huntResults;
        Processes = processes;
        CreateEventSink = eventSink;
        CountEventsAsync = countEvents;
        _owner = owner;
    }

    public StoreLocation Location { get; }
    public IIndicatorStore Indicators { get; }
    public IHuntEngine Hunts { get; }
    public IHuntResultStore HuntResults { get; }
    public IProcessLookup Processes { get; }
    /// <summary>A sink for events (`ingest` and the worker ask for <see cref="SinkMode.Bulk"/> and flush).</summary>
    public Func<SinkMode, IEventSink> CreateEventSink { get; }
    public Func<CancellationToken, Task<long>> CountEventsAsync { get; }

    /// <summary>The stored events read back, for `reindex`.</summary>
    public required IStoredEventSource StoredEvents { get; init; }

    /// <summary>Lets the store's file go until its next use, so that other processes can open it (DuckDB: one process
    /// at a time); true when it was let go now. A cluster has nothing to let go.</summary>
    public Func<bool> Release { get; private init; } = () => false;

    /// <summary>True while another process (a query, an ingest) waits for the store's file (<see cref="DuckDbFileRequest"/>):
    /// the worker lets the file go and holds off writing, and its scheduled jobs wait (StoreTurnListener). A cluster has
    /// many clients and no such wait.</summary>
    public Func<bool> OtherProcessWaiting { get; private init; } = () => false;

    /// <summary>The worker's stopping token: a use of the store waiting for another process to be done with the file it
    /// let go (DuckDbStore.Enter) stops waiting when it fires. A cluster has no such wait.</summary>
    public Action<CancellationToken> SetStopping { get; private init; } = _ => { };

    // This process's note that it waits for (and then uses) a file the worker holds; withdrawn at Dispose.
    private DuckDbFileRequest? _fileRequest;

    /// <param name="longRunning">For the worker: many small loads, so DuckDB checkpoints sooner, and its scheduled hunts
    /// run under the load memory limit, not on top of it (see DuckDbStore.Open).</param>
    public static Store Open(StoreLocation location, bool longRunning = false)
    {
        if (location.IsDuckDb)
        {
            var duck = longRunning
                ? DuckDbStore.Open(location.Target, location.DuckDbOptions, checkpointThreshold: "32MB", boundQueries: true)
                : DuckDbStore.Open(location.Target, location.DuckDbOptions);
            var engine = new DuckDbHuntEngine(duck);
            return new Store(location, new DuckDbIndicatorStore(duck), engine, engine, new DuckDbProcessLookup(duck),
                mode => new DuckDbEventSink(duck, mode), _ => Task.FromResult(duck.Count()), duck)
            {
                Release = duck.Release, OtherProcessWaiting = duck.OtherProcessWaiting, StoredEvents = new DuckDbStoredEvents(duck),
                SetStopping = token => duck.StopWaiting = token,
            };
        }
        var es = new ElasticsearchConnection(OptionsFor(location));
        var hunts = new ElasticsearchHuntEngine(es, location.BulkOptions);
        var stored = new ElasticsearchStoredEvents(es);
        return new Store(location, new ElasticsearchIndicatorStore(es, location.BulkOptions), hunts, hunts, new ElasticsearchProcessLookup(es),
            _ => new ElasticsearchEventSink(es, location.BulkOptions), ct => stored.CountAsync(null, ct), null)
        {
            StoredEvents = stored,
        };
    }

    /// <summary>For commands that only read (query, hunt, lineage, feeds list): a DuckDB file that does not exist is an
    /// error, not a new empty store. Opened, a misspelt path answered every query with "(0 rows)", exit 0, and left an
    /// empty file behind, which an analyst reads as "no hits".</summary>
    /// <param name="duckDbOptions">DuckDB's settings for this use, in place of the URI's (errors still name the URI).</param>
    public static Store OpenExisting(StoreLocation location, DuckDbStoreOptions? duckDbOptions = null)
    {
        if (location.IsDuckDb && !File.Exists(location.Target))
        {
            throw new StoreException($"store {location} does not exist")
            {
                Data = { [CommandErrors.NextStep] = $"check --store (or ${StoreLocation.EnvironmentVariable}); to store events there: sysmon-elastic ingest PATH --store {location}" },
            };
        }
        return OpenWhenFree(duckDbOptions is null ? location : location with { DuckDbOptions = duckDbOptions });
    }

    // How long a command waits for a DuckDB file another process holds, unless the URI says (?lock_wait=5m). The worker
    // sees a request at its next scan (Worker:PollInterval, 1 s) or, within a backlog, once the file or 16 MB piece it
    // reads is done (a whole .evtx or archive is read to its end first), and lets the file go 5 s
    // (Worker:ReleaseStoreAfter) after its last write in any case.
    private static readonly TimeSpan DefaultLockWait = TimeSpan.FromSeconds(20);

    /// <summary>For one-off commands (query, hunt, ingest, feeds): a DuckDB file another process holds is waited for, up
    /// to 20 s (<c>lock_wait</c> in the URI), with a note that makes a running worker let it go and hold off until this
    /// store is disposed. Refused at once, an `ingest` beside a worker tailing a live log never got the file.</summary>
    public static Store OpenWhenFree(StoreLocation location)
    {
        var wait = location.DuckDbOptions.LockWait ?? DefaultLockWait;
        var deadline = DateTime.UtcNow + wait;
        DuckDbFileRequest? request = null;
        var waiting = false;
        try
        {
            while (true)
            {
                try
                {
                    var store = Open(location);
                    store._fileRequest = request; // kept until this process is done with the file, so the worker does not take it back
                    request = null;
                    return store;
                }
                catch (StoreException ex) when (ex.HeldByAnotherProcess && DateTime.UtcNow < deadline)
                {
                    if (!waiting)
                    {
                        waiting = true;
                        request = DuckDbFileRequest.Raise(location.Target);
                        Console.Error.WriteLine($"waiting up to {DuckDbStoreOptions.FormatDuration(wait)} for {location}: another process is " +
                                                "writing it (a running worker lets it go at its next scan)");
                    }
                    Thread.Sleep(250);
                }
                catch (StoreException ex) when (ex.HeldByAnotherProcess && location.IsDuckDb)
                {
                    var longer = location with { DuckDbOptions = location.DuckDbOptions with { LockWait = TimeSpan.FromMinutes(10) } };
                    ex.Data[CommandErrors.NextStep] = (waiting ? $"waited {DuckDbStoreOptions.FormatDuration(wait)}; " : "") +
                                                      $"to wait longer: --store '{longer}'";
                    throw;
                }
            }
        }
        finally
        {
            request?.Dispose(); // not opened: the request is withdrawn
        }
    }

    /// <summary>For the worker (`run`): a DuckDB file another process holds is waited for without limit, trying again every
    /// <paramref name="retryDelay"/>, and without a note (the worker gives way; it does not ask others to). Started while
    /// an `ingest` or a query had its file, it ended at once with exit code 3, and systemd gives up on a unit after five
    /// failed starts in ten seconds. Null when stopped while it waited.</summary>
    public static async Task<Store?> OpenForWorkerAsync(StoreLocation location, TimeSpan retryDelay, CancellationToken ct)
    {
        if (retryDelay <= TimeSpan.Zero) retryDelay = TimeSpan.FromSeconds(5); // refused with the reason once the worker starts
        var waited = false;
        while (true)
        {
            try
            {
                var store = Open(location, longRunning: true);
                if (waited) await Console.Error.WriteLineAsync($"{location} is free now: the worker starts").ConfigureAwait(false);
                return store;
            }
            catch (StoreException ex) when (ex.HeldByAnotherProcess)
            {
                if (!waited)
                {
                    await Console.Error.WriteLineAsync($"waiting for {location}: another process has it open (an ingest, a query); " +
                                                       $"tried again every {retryDelay}").ConfigureAwait(false);
                    waited = true;
                }
            }
            try
            {
                await Task.Delay(retryDelay, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    public static ElasticsearchOptions OptionsFor(StoreLocation location) => UsageException.From(() => ElasticsearchOptions.Parse(location.Target));

    public void Dispose()
    {
        _owner?.Dispose();
        _fileRequest?.Dispose(); // after the file is closed: withdrawn earlier, the worker could attach it before the close
    }
}
