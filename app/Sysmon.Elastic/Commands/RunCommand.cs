using Sysmon.Enrich.Indicators;
using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;
using Sysmon.Elastic.Cli;
using Sysmon.Elastic.Worker;
using Sysmon.Enrich;
using Sysmon.Enrich.Feeds;
using Sysmon.Enrich.Matching;

namespace Sysmon.Elastic.Commands;

/// <summary>
/// <c>run</c>: the worker on the .NET Generic Host, configured by appsettings.json (shipped defaults, then one in
/// the current directory), environment variables (SYSMON_Worker__Store=...) and the command line
/// (--Worker:Store=duckdb:/data/sysmon.duckdb), with run's own options (--store, --spool, ...) over all of them.
/// Runs until Ctrl+C or SIGTERM, then flushes and exits.
/// </summary>
public static class RunCommand
{
    // Feeds on Quartz schedules, sharing the worker's store; the indicator set is swapped after each refresh.
    private static void AddEnrichment(IServiceCollection services, WorkerOptions options, List<FeedDefinition>? configured, Func<Store> store)
    {
        // A "feeds" section in appsettings.json wins; otherwise Worker:FeedsFile, otherwise the shipped defaults.
        var feeds = configured is { Count: > 0 } ? configured : FeedsCommand.Definitions(options.FeedsFile);
        foreach (var feed in feeds) FeedsCommand.Validate(feed, "configuration");
        services.AddSingleton(_ => store());
        services.AddSingleton(sp => sp.GetRequiredService<Store>().Indicators);
        services.AddFeedHttpClient();
        services.AddSingleton(sp => new FeedRefresher(
            new FeedDownloader(sp.GetRequiredService<IHttpClientFactory>().CreateClient(FeedHttp.ClientName)), sp.GetRequiredService<IIndicatorStore>())
        {
            RetroHuntWindow = TimeSpan.FromDays(options.RetroHuntDays),
            AllowList = options.AllowList.Count > 0 ? new AllowList(options.AllowList) : AllowList.Default,
        });
        services.AddSingleton<IndicatorSetHolder>();
        services.AddSingleton(new FeedRegistry(feeds, options.AllowList.Count > 0 ? options.AllowList : null, options.MatchParentDomains)
        {
            RetryDelay = options.FeedRetryDelay,
        });
        var hunts = Sysmon.Queries.Hunts.HuntCatalog.Load(options.HuntsDirectory);
        services.AddSingleton(new HuntRegistry(hunts));
        services.AddSingleton(sp => sp.GetRequiredService<Store>().Hunts);
        services.AddSingleton(sp => sp.GetRequiredService<Store>().HuntResults);
        services.AddQuartz(q =>
        {
            FeedRefreshJob.Schedule(q, feeds);
            if (options.ScheduledHunts) HuntJob.Schedule(q, hunts);
            q.AddTriggerListener<StoreTurnListener>();
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        services.AddHostedService<RunningJobsInterrupter>();
    }

    // $SYSMON_STORE, which every other command reads, names the worker's store too: above the shipped default,
    // below anything that names Worker:Store itself (appsettings.json here, SYSMON_Worker__Store, the command line).
    private static Dictionary<string, string?> StoreFromEnvironment() =>
        Environment.GetEnvironmentVariable(StoreLocation.EnvironmentVariable) is { Length: > 0 } store
            ? new() { ["Worker:Store"] = store }
            : [];

    // A setting that is not of its type (--Worker:PollInterval=5s, a word for a number) ended `run` with an unhandled
    // exception and exit code 1; it is a usage error, said in one line. The binder throws a plain
    // InvalidOperationException, so its message is what tells this failure from others.
    private static T? Bind<T>(Func<T?> bind)
    {
        try
        {
            return bind();
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            throw new UsageException(ex.Message + " (a time span is written 00:00:05, a number in digits, a switch true or false)");
        }
    }

    public static Command Create()
    {
        var command = new Command("run", "Run the ingest worker: watch spool directories and store what arrives, until stopped. " +
                                         "Any setting of appsettings.json can also be given as --Section:Name=VALUE (--Worker:PollInterval=00:00:05).")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        var commandLine = new WorkerCommandLine();
        commandLine.AddTo(command);
        // Configuration errors (a missing hunts directory, a malformed hunt file) end with one line and exit 2.
        command.SetAction((result, ct) => CommandErrors.RunAsync(async stderr =>
        {
            var args = result.UnmatchedTokens.ToArray();
            WorkerCommandLine.CheckConfigurationTokens(args);
            var overrides = commandLine.Overrides(result);
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
            {
                Args = args,
                ContentRootPath = Directory.GetCurrentDirectory(),
                DisableDefaults = true,
            });
            builder.Configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
                .AddInMemoryCollection(StoreFromEnvironment())
                .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
                .AddEnvironmentVariables("SYSMON_")
                .AddCommandLine(args);
            builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
            builder.Logging.AddConsole();
            builder.Services.Configure<WorkerOptions>(builder.Configuration.GetSection("Worker"));
            builder.Services.PostConfigure(overrides);
            var options = Bind(() => builder.Configuration.GetSection("Worker").Get<WorkerOptions>()) ?? new WorkerOptions();
            overrides(options);
            var location = StoreLocation.Parse(options.Store);
            if (!location.IsDuckDb) _ = Store.OptionsFor(location); // a malformed URL is a configuration error before start
            Store? store = null; // opened below, once the configuration is known to be good; the host disposes it
            AddEnrichment(builder.Services, options, Bind(() => builder.Configuration.GetSection("feeds").Get<List<FeedDefinition>>()),
                () => store ?? throw new InvalidOperationException("the worker's store was not opened before the host started"));
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
            builder.Services.AddHostedService<SpoolWorker>();
            using (var signals = new StopSignals(ct)) // the host's own lifetime handles SIGTERM only once it runs
            {
                store = await Store.OpenForWorkerAsync(location, options.StoreRetryDelay, signals.Token).ConfigureAwait(false);
            }
            if (store is null) return ExitCodes.Success; // stopped while it waited: nothing was started
            using var host = builder.Build();
            store.SetStopping(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
            Environment.ExitCode = 0;
            await host.RunAsync(ct).ConfigureAwait(false);
            return Environment.ExitCode;
        }));
        return command;
    }
}
