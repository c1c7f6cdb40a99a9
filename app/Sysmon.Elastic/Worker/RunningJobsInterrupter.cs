using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Sysmon.Elastic.Worker;

/// <summary>
/// As the worker starts to stop, interrupts the scheduled jobs under way (a feed refresh, a hunt) so that they end at
/// their next cancellation check. Quartz only waits for them: SIGTERM during a million-hash refresh took 12 s, past the
/// host's 10 s, and the refresh then met the store closed under it. What an interrupted refresh leaves is safe: a
/// replace is one transaction, and a hunt not finished stays pending for the feed's next refresh. On the stopping
/// token, not in a StopAsync: the spool reader's stop, which comes first, waits for the store a running job holds.
/// </summary>
public sealed partial class RunningJobsInterrupter(ISchedulerFactory schedulers, IHostApplicationLifetime lifetime,
    ILogger<RunningJobsInterrupter> log) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(() => _ = InterruptAsync());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task InterruptAsync()
    {
        try
        {
            var scheduler = await schedulers.GetScheduler().ConfigureAwait(false);
            // By default the firings that are running (a page of them: the worker runs a few at most).
            var running = await scheduler.QueryFireInstances(new FireInstanceQuery()).ConfigureAwait(false);
            foreach (var firing in running.Items)
            {
                await scheduler.InterruptFireInstance(firing.FireInstanceId).ConfigureAwait(false);
                LogInterrupted(firing.JobKey?.Name ?? firing.FireInstanceId);
            }
        }
        catch (Exception ex) when (ex is SchedulerException or InvalidOperationException)
        {
            LogNotInterrupted(ex.Message); // the jobs are then waited for, as before
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Job}: asked to stop with the worker")]
    private partial void LogInterrupted(string job);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the running jobs could not be asked to stop: {Reason}")]
    private partial void LogNotInterrupted(string reason);
}
