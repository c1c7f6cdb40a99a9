using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;
using Sysmon.Elastic.Cli;

namespace Sysmon.Elastic.Worker;

/// <summary>
/// Holds a scheduled job (a feed refresh, a hunt) back while another process waits for or uses the worker's DuckDB file
/// (a query, an ingest: <see cref="Sysmon.Stores.DuckDb.DuckDbFileRequest"/>). Run then, the job met the file held and
/// failed: a hunt missed its run, and a feed refresh kept its old indicators until its next schedule, a day later for
/// most feeds. The job runs once that process is done; stopping the worker meanwhile vetoes it.
/// </summary>
public sealed partial class StoreTurnListener(Store store, IOptions<WorkerOptions> options, IHostApplicationLifetime lifetime,
    ILogger<StoreTurnListener> log) : ITriggerListener
{
    private static readonly TimeSpan LookEvery = TimeSpan.FromSeconds(1);

    public string Name => "store-turn";

    public async ValueTask<bool> VetoJobExecution(ITrigger trigger, IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        // A worker told to hold its file (ReleaseStoreAfter 0) never lets it go, so its jobs never meet it held.
        if (options.Value.ReleaseStoreAfter <= TimeSpan.Zero || !store.OtherProcessWaiting()) return false;
        LogWaiting(context.JobDetail.Key.Name);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        try
        {
            while (store.OtherProcessWaiting()) await Task.Delay(LookEvery, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return true; // the worker stops: the job runs at its next start or schedule
        }
        LogRunsNow(context.JobDetail.Key.Name);
        return false;
    }

    // The other notifications keep ITriggerListener's default (no-op) implementations.

    [LoggerMessage(Level = LogLevel.Information, Message = "{Job} waits: another process is using the store")]
    private partial void LogWaiting(string job);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Job} runs now: the other process is done with the store")]
    private partial void LogRunsNow(string job);
}
