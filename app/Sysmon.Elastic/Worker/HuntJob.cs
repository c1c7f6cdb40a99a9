using Microsoft.Extensions.Logging;
using Quartz;
using Sysmon.Queries;
using Sysmon.Queries.Hunts;

namespace Sysmon.Elastic.Worker;

/// <summary>
/// A stored hunt on its Quartz schedule: runs with its default parameters, keeps the rows in hunt_results (DuckDB) or
/// sysmon-hunts (Elasticsearch) with
/// the hunt name, parameters and run time, and reports only rows no earlier run of the same hunt reported.
/// </summary>
public sealed partial class HuntJob(IHuntEngine engine, IHuntResultStore results, HuntRegistry hunts, ILogger<HuntJob> log) : IJob
{
    public const string HuntKey = "hunt";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var name = context.MergedJobDataMap.GetString(HuntKey) ?? "";
        if (hunts.Find(name) is not { } hunt) return;
        try
        {
            var parameters = hunt.Bind(new Dictionary<string, string>());
            var result = await engine.RunAsync(hunt.Query, parameters, cancellationToken).ConfigureAwait(false);
            foreach (var warning in result.Warnings ?? []) LogWarning(hunt.Name, warning);
            var fresh = await results.SaveResultsAsync(hunt.Name, parameters, DateTimeOffset.UtcNow, result, cancellationToken).ConfigureAwait(false);
            if (fresh > 0) LogNewRows(hunt.Name, fresh, result.Rows.Count);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogStopped(hunt.Name); // the worker stops; the hunt runs at its next schedule
        }
        catch (Exception ex) when (ex is ArgumentException or Queries.Esql.EsqlException or DuckDB.NET.Data.DuckDBException or Stores.DuckDb.StoreException
                                       or Stores.Elasticsearch.Connection.ElasticsearchUnavailableException
                                       or Stores.Elasticsearch.Connection.ElasticsearchRequestException)
        {
            // One failed run is logged with the hunt's name; the next scheduled run tries again.
            LogFailed(hunt.Name, ex.Message);
        }
    }

    public static void Schedule(IQuartzBuilder quartz, IEnumerable<Hunt> hunts)
    {
        foreach (var hunt in hunts.Where(h => h.Schedule is not null))
        {
            RequireCron(hunt);
            // A scheduled run has only defaults to go on; a required parameter would make every run fail.
            if (hunt.Parameters.FirstOrDefault(p => p.Default is null) is { } required)
                throw new HuntFileException($"hunt {hunt.Name}: it has a schedule, so parameter '{required.Name}' needs a default");
            var key = new JobKey("hunt-" + hunt.Name, "hunts");
            quartz.AddJob<HuntJob>(j => j.WithIdentity(key).UsingJobData(HuntKey, hunt.Name).StoreDurably().DisallowConcurrentExecution());
            quartz.AddTrigger<HuntJob>(t => t.ForJob(key).WithIdentity("hunt-" + hunt.Name + "-cron", "hunts")
                .WithCronSchedule(hunt.Schedule!, c => c.WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)));
        }
    }

    private static void RequireCron(Hunt hunt)
    {
        try
        {
            _ = new CronExpression(hunt.Schedule!);
        }
        catch (FormatException)
        {
            throw new HuntFileException($"hunt {hunt.Name}: schedule '{hunt.Schedule}' is not a Quartz cron expression (seconds first, e.g. '0 0/15 * * * ?')");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "hunt {Hunt}: {New} new row(s) (of {Rows}) stored with its results (hunt_results / sysmon-hunts)")]
    private partial void LogNewRows(string hunt, int @new, int rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "hunt {Hunt}: {Warning}")]
    private partial void LogWarning(string hunt, string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "hunt {Hunt}: stopped with the worker; it runs at its next schedule")]
    private partial void LogStopped(string hunt);

    [LoggerMessage(Level = LogLevel.Error, Message = "hunt {Hunt} failed: {Reason}")]
    private partial void LogFailed(string hunt, string reason);
}

/// <summary>The hunts the worker knows (shipped and from Worker:HuntsDirectory).</summary>
public sealed class HuntRegistry(IReadOnlyList<Hunt> hunts)
{
    public IReadOnlyList<Hunt> Hunts { get; } = hunts;

    public Hunt? Find(string name) => Hunts.FirstOrDefault(h => h.Name == name);
}
