using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;
using Sysmon.Enrich.Feeds;
using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;
using Sysmon.Stores.DuckDb;
using Xunit;

namespace Sysmon.Enrich.Tests;

/// <summary>The feed job on a real Quartz scheduler in a real host, firing every second.</summary>
public sealed class FeedRefreshJobTests
{
    [Fact]
    public async Task The_scheduler_refreshes_the_feed_and_swaps_the_indicator_set()
    {
        using var temp = new Sysmon.Ingest.Tests.Fixtures.TempDirectory("sysmon-enrich-tests");
        var dir = temp.Path;
        var list = Path.Combine(dir, "list.txt");
        await File.WriteAllTextAsync(list, "198.51.100.1\n");
        var feed = new FeedDefinition { Name = "every-second", Url = list, Format = "plain", Schedule = "0/1 * * * * ?" };

        using var store = DuckDbStore.Open(Path.Combine(dir, "s.duckdb"));
        using var host = FeedHost(store, new FeedRegistry([feed]), runAtStart: false);
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var holder = host.Services.GetRequiredService<IndicatorSetHolder>();
            await WaitUntil(() => holder.Current.Count == 1);
            await File.WriteAllTextAsync(list, "198.51.100.1\n198.51.100.2\n203.0.113.0/24\n");
            await WaitUntil(() => holder.Current.Count == 3);
            var found = new List<Indicators.Indicator>();
            holder.Current.MatchIp("203.0.113.77", found);
            found.Should().ContainSingle();
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_feed_that_has_not_changed_leaves_the_set_in_use_as_it_is()
    {
        using var temp = new Sysmon.Ingest.Tests.Fixtures.TempDirectory("sysmon-enrich-tests");
        using var server = new LocalHttpServer();
        server.ServeWithETag(() => ("\"v1\"", "198.51.100.1\n198.51.100.2\n"));
        var feed = new FeedDefinition { Name = "etagged", Url = server.Url + "list.txt", Format = "plain", Schedule = "0/1 * * * * ?" };

        using var store = DuckDbStore.Open(temp.File("s.duckdb"));
        using var host = FeedHost(store, new FeedRegistry([feed]), runAtStart: false);
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var holder = host.Services.GetRequiredService<IndicatorSetHolder>();
            await WaitUntil(() => holder.Current.Count == 2);
            var loaded = holder.Current;
            var seen = Volatile.Read(ref server.Requests);
            await WaitUntil(() => Volatile.Read(ref server.Requests) >= seen + 2); // two more refreshes, each a 304
            holder.Current.Should().BeSameAs(loaded, "nothing changed, so the indicators are not read again");
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_refresh_that_fails_is_tried_again_after_the_retry_delay_not_only_at_the_next_schedule()
    {
        // Most feeds refresh daily: one failed download (here the list is not there yet at start) kept the old
        // indicators, or none, until the next day.
        using var temp = new Sysmon.Ingest.Tests.Fixtures.TempDirectory("sysmon-enrich-tests");
        var dir = temp.Path;
        var list = Path.Combine(dir, "list.txt");
        var feed = new FeedDefinition { Name = "daily", Url = list, Format = "plain", Schedule = "0 0 3 * * ?" };

        using var store = DuckDbStore.Open(Path.Combine(dir, "s.duckdb"));
        using var host = FeedHost(store, new FeedRegistry([feed]) { RetryDelay = TimeSpan.FromSeconds(1) }, runAtStart: true);
        var indicators = host.Services.GetRequiredService<IIndicatorStore>();
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            await WaitUntil(() => indicators.GetFeedStateAsync("daily", CancellationToken.None).Result?.LastError is not null);
            await File.WriteAllTextAsync(list, "198.51.100.1\n198.51.100.2\n", TestContext.Current.CancellationToken);
            var holder = host.Services.GetRequiredService<IndicatorSetHolder>();
            await WaitUntil(() => holder.Current.Count == 2); // the first retry (1 s) or the second (2 s) finds the list
            (await indicators.GetFeedStateAsync("daily", CancellationToken.None))!.LastError.Should().BeNull();
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_stored_event_that_a_new_indicator_matches_is_logged_as_an_alert_of_the_retro_hunt()
    {
        using var temp = new Sysmon.Ingest.Tests.Fixtures.TempDirectory("sysmon-enrich-tests");
        var list = temp.File("list.txt");
        await File.WriteAllTextAsync(list, "198.51.100.7\n", TestContext.Current.CancellationToken);
        var feed = new FeedDefinition { Name = "c2", Url = list, Format = "plain", Schedule = "0 0 3 * * ?" };

        using var store = DuckDbStore.Open(temp.File("s.duckdb"));
        // Stored an hour ago, before the feed listed its address: no alert at ingest.
        var earlier = new Sysmon.Ingest.Ecs.EcsDocument { Id = "ev1" };
        earlier.Set("@timestamp", DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
        earlier.Set("event.code", "3");
        earlier.Set("event.id", "ev1");
        earlier.Set("host.name", "WKS-7");
        earlier.Set("destination.ip", "198.51.100.7");
        await using (var sink = new DuckDbEventSink(store)) await sink.WriteAsync([earlier], TestContext.Current.CancellationToken);

        var logged = new LoggedLines();
        using var host = FeedHost(store, new FeedRegistry([feed]), runAtStart: true, logged);
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            await WaitUntil(() => logged.Lines.Any(l => l.StartsWith("feed c2:", StringComparison.Ordinal)));
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
        logged.Lines.Should().Contain("ALERT WKS-7 event 3: destination.ip 198.51.100.7 matches feed c2 (retro-hunt of stored events)");
        logged.Lines.Should().Contain("feed c2: 1 indicators (1 new), retro-hunt raised 1 alert(s)");
    }

    [Fact]
    public async Task A_set_that_could_not_be_loaded_after_a_refresh_is_loaded_at_the_next_though_the_feed_has_not_changed()
    {
        using var temp = new Sysmon.Ingest.Tests.Fixtures.TempDirectory("sysmon-enrich-tests");
        using var server = new LocalHttpServer();
        var version = 1;
        server.ServeWithETag(() => Volatile.Read(ref version) == 1 ? ("\"v1\"", "198.51.100.1\n") : ("\"v2\"", "198.51.100.1\n198.51.100.2\n"));
        var feed = new FeedDefinition { Name = "etagged", Url = server.Url + "list.txt", Format = "plain", Schedule = "0/1 * * * * ?" };

        using var store = DuckDbStore.Open(temp.File("s.duckdb"));
        var reads = new ReadsThatFailOnce(new DuckDbIndicatorStore(store));
        var logged = new LoggedLines();
        using var host = FeedHost(store, new FeedRegistry([feed]), runAtStart: false, logged, reads);
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var holder = host.Services.GetRequiredService<IndicatorSetHolder>();
            await WaitUntil(() => holder.Current.Count == 1);
            // The second address is stored, then reading the set fails once (as a shell holding the file would make it).
            reads.FailNext = true;
            Volatile.Write(ref version, 2);
            await WaitUntil(() => !reads.FailNext);
            // Every refresh after is a 304; the set in use still lacked the address, and is read again.
            await WaitUntil(() => holder.Current.Count == 2);
            holder.IsBehind.Should().BeFalse();
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
        logged.Lines.Should().Contain("feed etagged: stored (1 new), but the indicators in use could not be loaded again: " +
            "the store's file is held by another process; events are matched against the set before it until they are");
    }

    /// <summary>The DuckDB store, whose reading of the active indicators fails once when told to.</summary>
    private sealed class ReadsThatFailOnce(IIndicatorStore inner) : IIndicatorStore
    {
        private volatile bool _failNext;

        public bool FailNext { get => _failNext; set => _failNext = value; }

        public Task<SkippedIndicators> ReadActiveAsync(Action<Indicator> each, CancellationToken ct)
        {
            if (!_failNext) return inner.ReadActiveAsync(each, ct);
            _failNext = false;
            throw new IOException("the store's file is held by another process");
        }

        public Task<IReadOnlyList<FeedState>> ListFeedStatesAsync(CancellationToken ct) => inner.ListFeedStatesAsync(ct);
        public Task<FeedState?> GetFeedStateAsync(string feed, CancellationToken ct) => inner.GetFeedStateAsync(feed, ct);
        public Task SaveFeedStateAsync(FeedState state, CancellationToken ct) => inner.SaveFeedStateAsync(state, ct);
        public Task<FeedReplacement> ReplaceFeedAsync(string feed, IndicatorSource indicators, DateTimeOffset now, CancellationToken ct) =>
            inner.ReplaceFeedAsync(feed, indicators, now, ct);
        public Task<IReadOnlyList<Alert>> WriteAlertsAsync(IReadOnlyList<Alert> alerts, CancellationToken ct) => inner.WriteAlertsAsync(alerts, ct);
        public Task<RetroHuntOutcome> RetroHuntAsync(string feed, DateTimeOffset since, Action<Alert>? raised, CancellationToken ct) =>
            inner.RetroHuntAsync(feed, since, raised, ct);
        public Task<IReadOnlyDictionary<string, long>> CountPendingRetroHuntsAsync(CancellationToken ct) => inner.CountPendingRetroHuntsAsync(ct);
    }

    // The worker's feed refresh as `run` wires it: a host with Quartz scheduling the registry's feeds into the store.
    private static IHost FeedHost(DuckDbStore store, FeedRegistry registry, bool runAtStart, ILoggerProvider? logged = null,
        IIndicatorStore? indicators = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        if (logged is not null) builder.Logging.AddProvider(logged);
        builder.Services.AddSingleton(indicators ?? new DuckDbIndicatorStore(store));
        builder.Services.AddSingleton(sp => new FeedRefresher(new FeedDownloader(new HttpClient()), sp.GetRequiredService<IIndicatorStore>()));
        builder.Services.AddSingleton<IndicatorSetHolder>();
        builder.Services.AddSingleton(registry);
        builder.Services.AddQuartz(q => FeedRefreshJob.Schedule(q, registry.Feeds, runAtStart));
        builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return builder.Build();
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the scheduled job did not run in time");
            await Task.Delay(100);
        }
    }

    /// <summary>The lines the job logs, as a console would show their messages.</summary>
    private sealed class LoggedLines : ILoggerProvider, ILogger
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue(formatter(state, exception));

        public void Dispose()
        {
        }
    }
}
