using Microsoft.Extensions.Logging;
using Quartz;
using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;

namespace Sysmon.Enrich.Feeds;

/// <summary>
/// The Quartz job that refreshes one feed (its name in the job data), then rebuilds the in-memory indicator set
/// and swaps it in. Never two refreshes of the same feed at once; a refresh missed while the worker was down
/// runs once when it comes back (misfire: fire now). A refresh that fails is tried again after
/// <see cref="FeedRegistry.RetryDelay"/>, then twice that, and so on, as long as the retry comes before the feed's
/// next scheduled refresh: most feeds refresh daily, and one network blip kept the old indicators for a day.
/// </summary>
public sealed partial class FeedRefreshJob(FeedRefresher refresher, IIndicatorStore store, IndicatorSetHolder holder,
    FeedRegistry feeds, ILogger<FeedRefreshJob> log) : IJob
{
    public const string FeedKey = "feed";

    // In a retry trigger's data: how many retries came before it.
    private const string RetryKey = "retry";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var name = context.MergedJobDataMap.GetString(FeedKey) ?? "";
        if (feeds.Find(name) is not { } feed)
        {
            LogUnknown(name);
            return;
        }
        FeedRefreshResult result;
        try
        {
            result = await refresher.RefreshAsync(feed, cancellationToken,
                a => LogRetroHuntAlert(a.Host ?? "", a.EventCode ?? "", a.MatchedField, a.MatchedAtomic, a.Feed)).ConfigureAwait(false);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            LogStopped(name); // the worker stops: a replace is all or nothing, and an unfinished hunt stays pending
            return;
        }
        catch (Exception ex)
        {
            // The store failed (a DuckDB file held by a shell, a cluster down): the feed's state could not even be
            // read or saved. Left to Quartz, the failure was logged and not tried again until the next schedule.
            LogFailed(name, $"{name}: {ex.Message}");
            await ScheduleRetryAsync(context, feed, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (!result.Succeeded)
        {
            LogFailed(name, result.Error ?? "");
            await ScheduleRetryAsync(context, feed, cancellationToken).ConfigureAwait(false);
            return;
        }
        // The job went on inside the refresh's completion, whose frames held the feed's indicators (a million: ~230 MB,
        // found by a forced collection that left 293 MB live instead of 63) while the set was loaded again and after;
        // queued, it goes on without them (the worker idle after a 1M-hash refresh: 388-462 MB instead of 551-581).
        await Task.Yield();
        if (result.ResumedHuntNote is { } resumed) LogResumedHunt(resumed, result.RetroAlerts);
        if (result.NotModified && !holder.Current.IsEmpty && !holder.IsBehind)
        {
            // The set in use holds the feed as it is: reading every indicator again (a million-hash feed: seconds, and
            // ~100 MB while the new set is built beside the old) changed nothing, at every hourly refresh.
            LogNotModified(name, result.Indicators);
            return;
        }
        try
        {
            holder.Swap(await store.LoadSetAsync(feeds.AllowList, feeds.MatchParentDomains, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            LogStopped(name);
            return;
        }
        catch (Exception ex)
        {
            // The feed is stored; only the set that tags events at ingest lacks it (the file held by another process
            // for a moment, the store out of memory). Escaping to Quartz, this was logged as the job's error and never
            // tried again: the feed's next refreshes found it unchanged and kept the set in use, without it, until some
            // other feed changed or the worker restarted.
            holder.MarkBehind();
            LogSetNotLoaded(name, result.NewIndicators, ex.Message);
            await ScheduleRetryAsync(context, feed, cancellationToken).ConfigureAwait(false);
            return;
        }
        LogRefreshed(name, result.Indicators, result.NewIndicators, result.RetroAlerts);
        if (holder.Current.Skipped.Warning is { } skipped) LogIndicatorsSkipped(skipped);
        if (result.AllowListedNote is { } note) LogAllowListed(note);
    }

    // One more run of the same job after RetryDelay doubled per earlier retry, unless the feed's own schedule comes first.
    private async Task ScheduleRetryAsync(IJobExecutionContext context, FeedDefinition feed, CancellationToken ct)
    {
        var retries = context.Trigger.JobDataMap.TryGetInt(RetryKey, out var before) ? before : 0;
        var wait = feeds.RetryDelay * Math.Pow(2, Math.Min(retries, 16));
        var at = DateTimeOffset.UtcNow + wait;
        var scheduled = await context.Scheduler.GetTrigger(CronTrigger(feed), ct).ConfigureAwait(false);
        if (feeds.RetryDelay <= TimeSpan.Zero || scheduled?.NextFireTimeUtc is { } next && next <= at)
        {
            LogNoRetry(feed.Name);
            return;
        }
        var retry = TriggerBuilder.Create()
            .WithIdentity($"feed-{feed.Name}-retry-{retries + 1}-{Guid.NewGuid():N}", "feeds")
            .ForJob(context.JobDetail.Key)
            .UsingJobData(RetryKey, retries + 1)
            .StartAt(at)
            .WithSimpleSchedule(x => x.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        await context.Scheduler.ScheduleJob(retry, default, ct).ConfigureAwait(false);
        LogRetry(feed.Name, wait, retries + 1);
    }

    private static TriggerKey CronTrigger(FeedDefinition feed) => new("feed-" + feed.Name + "-cron", "feeds");

    /// <summary>Schedules every enabled feed on its cron expression.</summary>
    public static void Schedule(IQuartzBuilder quartz, IEnumerable<FeedDefinition> definitions, bool runAtStart = true)
    {
        foreach (var feed in definitions.Where(f => f.Enabled))
        {
            var key = new JobKey("feed-" + feed.Name, "feeds");
            quartz.AddJob<FeedRefreshJob>(j => j.WithIdentity(key).UsingJobData(FeedKey, feed.Name).StoreDurably().DisallowConcurrentExecution());
            quartz.AddTrigger<FeedRefreshJob>(t => t.ForJob(key).WithIdentity(CronTrigger(feed))
                .WithCronSchedule(feed.Schedule, c => c.WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)));
            // And once at start, so a fresh worker has indicators without waiting for the first cron time.
            if (runAtStart) quartz.AddTrigger<FeedRefreshJob>(t => t.ForJob(key).WithIdentity("feed-" + feed.Name + "-start", "feeds").StartNow());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "feed {Feed}: stored ({New} new), but the indicators in use could not be loaded again: {Error}; events are matched against the set before it until they are")]
    private partial void LogSetNotLoaded(string feed, int @new, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "feed {Feed}: refresh stopped with the worker; it runs again at the next start")]
    private partial void LogStopped(string feed);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Note}; the hunt raised {Alerts} alert(s)")]
    private partial void LogResumedHunt(string note, int alerts);

    [LoggerMessage(Level = LogLevel.Information, Message = "feed {Feed}: {Indicators} indicators ({New} new), retro-hunt raised {Alerts} alert(s)")]
    private partial void LogRefreshed(string feed, int indicators, int @new, int alerts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Error}")]
    private partial void LogFailed(string feed, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "feed {Note}")]
    private partial void LogAllowListed(string note);

    [LoggerMessage(Level = LogLevel.Information, Message = "feed {Feed}: not modified ({Indicators} indicators kept)")]
    private partial void LogNotModified(string feed, int indicators);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private partial void LogIndicatorsSkipped(string warning);

    // As the worker logs an alert raised at ingest, and said to come from a stored event.
    [LoggerMessage(Level = LogLevel.Warning, Message = "ALERT {Host} event {Code}: {Field} {Atomic} matches feed {Feed} (retro-hunt of stored events)")]
    private partial void LogRetroHuntAlert(string host, string code, string field, string atomic, string feed);

    [LoggerMessage(Level = LogLevel.Information, Message = "feed {Feed}: tried again in {Wait} (retry {Retry})")]
    private partial void LogRetry(string feed, TimeSpan wait, int retry);

    [LoggerMessage(Level = LogLevel.Information, Message = "feed {Feed}: tried again at its next scheduled refresh")]
    private partial void LogNoRetry(string feed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "no feed named {Feed} is configured")]
    private partial void LogUnknown(string feed);
}

/// <summary>The configured feeds and matching options, shared by the job and the tagger.</summary>
public sealed class FeedRegistry(IReadOnlyList<FeedDefinition> feeds, IReadOnlyList<string>? allowList = null, bool matchParentDomains = false)
{
    public IReadOnlyList<FeedDefinition> Feeds { get; } = feeds;
    public IReadOnlyList<string>? AllowList { get; } = allowList;
    public bool MatchParentDomains { get; } = matchParentDomains;

    /// <summary>The wait before a failed refresh is tried again, doubled per retry (Worker:FeedRetryDelay); zero: only
    /// at the feed's next schedule.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMinutes(5);

    public FeedDefinition? Find(string name) => Feeds.FirstOrDefault(f => f.Name == name);
}
