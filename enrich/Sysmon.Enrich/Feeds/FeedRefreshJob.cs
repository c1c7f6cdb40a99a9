using Microsoft.Extensions.Logging;
using Quartz;
using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;

namespace Sysmon.Enrich.Feeds;

/// <summary>
/// The Quartz job that refreshes one feed (its name in the job data), then rebuilds the in-memory indicator set
/// and swaps it in. Never two refreshes of the same feed at once; a refresh missed while the worker was down
/// runs once when it comes back (misfire: fire now).
/// </summary>
public sealed partial class FeedRefreshJob(FeedRefresher refresher, IIndicatorStore store, IndicatorSetHolder holder,
    FeedRegistry feeds, ILogger<FeedRefreshJob> log) : IJob
{
    public const string FeedKey = "feed";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var name = context.MergedJobDataMap.GetString(FeedKey) ?? "";
        if (feeds.Find(name) is not { } feed)
        {
            LogUnknown(name);
            return;
        }
        var result = await refresher.RefreshAsync(feed, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            LogFailed(name, result.Error ?? "");
            return;
        }
        holder.Swap(new IndicatorSet(await store.LoadActiveAsync(cancellationToken).ConfigureAwait(false), feeds.AllowList, feeds.MatchParentDomains));
        LogRefreshed(name, result.Indicators, result.NewIndicators, result.RetroAlerts);
    }

    /// <summary>Schedules every enabled feed on its cron expression.</summary>
    public static void Schedule(IQuartzBuilder quartz, IEnumerable<FeedDefinition> definitions, bool runAtStart = true)
    {
        foreach (var feed in definitions.Where(f => f.Enabled))
        {
            var key = new JobKey("feed-" + feed.Name, "feeds");
            quartz.AddJob<FeedRefreshJob>(j => j.WithIdentity(key).UsingJobData(FeedKey, feed.Name).StoreDurably().DisallowConcurrentExecution());
            quartz.AddTrigger<FeedRefreshJob>(t => t.ForJob(key).WithIdentity("feed-" + feed.Name + "-cron", "feeds")
                .WithCronSchedule(feed.Schedule, c => c.WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)));
            // And once at start, so a fresh worker has indicators without waiting for the first cron time.
            if (runAtStart) quartz.AddTrigger<FeedRefreshJob>(t => t.ForJob(key).WithIdentity("feed-" + feed.Name + "-start", "feeds").StartNow());
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "feed {Feed}: {Indicators} indicators ({New} new), retro-hunt raised {Alerts} alert(s)")]
    private partial void LogRefreshed(string feed, int indicators, int @new, int alerts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Error}")]
    private partial void LogFailed(string feed, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "no feed named {Feed} is configured")]
    private partial void LogUnknown(string feed);
}

/// <summary>The configured feeds and matching options, shared by the job and the tagger.</summary>
public sealed class FeedRegistry(IReadOnlyList<FeedDefinition> feeds, IReadOnlyList<string>? allowList = null, bool matchParentDomains = false)
{
    public IReadOnlyList<FeedDefinition> Feeds { get; } = feeds;
    public IReadOnlyList<string>? AllowList { get; } = allowList;
    public bool MatchParentDomains { get; } = matchParentDomains;

    public FeedDefinition? Find(string name) => Feeds.FirstOrDefault(f => f.Name == name);
}
