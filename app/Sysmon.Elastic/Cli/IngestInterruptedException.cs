namespace Sysmon.Elastic.Cli;

/// <summary>
/// An ingest stopped by Ctrl+C or SIGTERM before its end. Loads already in the store stay (each is atomic); the one
/// being gathered is dropped. What the operator needs is what the store now holds and that running the same command
/// again finishes the job without storing anything twice.
/// </summary>
public sealed class IngestInterruptedException(long storedByThisRun, long storeHolds, string store)
    : OperationCanceledException(
        $"interrupted: this run stored {storedByThisRun:N0} events before it stopped ({store} now holds {storeHolds:N0}); " +
        "run the same command again to store the rest: events already stored are skipped");
