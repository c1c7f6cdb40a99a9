using System.Globalization;
using FluentAssertions;
using Sysmon.Enrich;
using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;
using static Sysmon.Stores.DuckDb.Tests.StoreQueries;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>
/// A retro-hunt stores its alerts as it reads the events, a batch at a time: a new value seen on a third of the
/// fleet's events must not hold hundreds of thousands of alerts until the end. Stored once each, whatever the batches.
/// </summary>
public sealed class RetroHuntTests : IDisposable
{
    private readonly TempDirectory _temp = new("sysmon-retro-hunt-tests");

    private string Dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    private static readonly DateTimeOffset Start = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);

    // Event n: a connection n seconds after Start, to one of the 50 addresses 198.51.100.0-49 (even n) or to 192.0.2.1.
    private static EcsDocument Connection(int n)
    {
        var id = "ev" + n.ToString("D8", CultureInfo.InvariantCulture);
        var d = new EcsDocument { Id = id };
        d.Set("@timestamp", Start.AddSeconds(n).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        d.Set("event.code", "3");
        d.Set("event.id", id);
        d.Set("host.name", "WKS-" + (n % 7).ToString(CultureInfo.InvariantCulture));
        d.Set("destination.ip", n % 2 == 0 ? "198.51.100." + (n % 50).ToString(CultureInfo.InvariantCulture) : "192.0.2.1");
        return d;
    }

    // A new store holding events 0-999 as made by `make`.
    private async Task<DuckDbStore> StoreOfAsync(Func<int, EcsDocument> make)
    {
        var store = DuckDbStore.Open(Path.Combine(Dir, "s.duckdb"));
        await using var sink = new DuckDbEventSink(store);
        await sink.WriteAsync(Enumerable.Range(0, 1_000).Select(make).ToList(), TestContext.Current.CancellationToken);
        return store;
    }

    // Events 0-999 run a.exe with the SHA-256 of their number mod 10 (so ten hashes, a hundred events each).
    private static EcsDocument ProcessStart(int n)
    {
        var d = Connection(n);
        d.Set("event.code", "1");
        d.Set("process.hash.sha256", Hash(n % 10));
        return d;
    }

    private static string Hash(int n) => System.Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(n)));

    [Theory]
    [InlineData(100_000)] // the new hashes DuckDB keeps events by
    [InlineData(3)] // too many to stage: every event with a hash is matched here (a million ran out of DuckDB's memory)
    public async Task Hashes_are_found_whether_or_not_DuckDB_filters_the_events_by_them_first(int staged)
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = await StoreOfAsync(ProcessStart);
        var hunt = new DuckDbIndicatorStore(store) { MaxStagedValues = staged };
        List<Indicator> listed = [new(IndicatorType.Sha256, Hash(3), "f"), new(IndicatorType.Sha256, Hash(7), "f"),
                                  new(IndicatorType.Sha256, Hash(12345), "f"), new(IndicatorType.Md5, new string('0', 32), "f")];

        (await hunt.ReplaceFeedAsync("f", listed, Start, ct)).Added.Should().Be(4);
        (await hunt.RetroHuntAsync("f", Start, null, ct)).Should().Be(new RetroHuntOutcome(Matches: 200, NewAlerts: 200));
        Scalar(store, $"SELECT count(*) FROM alerts WHERE \"matched.atomic\" = '{Hash(7)}'").Should().Be(100L);
    }

    [Fact]
    public async Task A_hash_kept_in_the_events_document_rather_than_a_column_is_found_too()
    {
        var ct = TestContext.Current.CancellationToken;
        // Events 0-999 load a DLL whose SHA-1 and MD5 (kept in doc, not in columns) depend on n mod 4.
        using var store = await StoreOfAsync(n =>
        {
            var d = Connection(n);
            d.Set("event.code", "7");
            d.Set("dll.hash.sha1", Sha1(n % 4));
            d.Set("dll.hash.md5", new string((char)('a' + n % 4), 32));
            return d;
        });
        var hunt = new DuckDbIndicatorStore(store);
        await hunt.ReplaceFeedAsync("f", [new(IndicatorType.Sha1, Sha1(1), "f"), new(IndicatorType.Md5, new string('c', 32), "f")], Start, ct);

        (await hunt.RetroHuntAsync("f", Start, null, ct)).Should().Be(new RetroHuntOutcome(Matches: 500, NewAlerts: 500));
        Column(store, "SELECT DISTINCT \"matched.field\" FROM alerts ORDER BY 1").Should().Equal("dll.hash.md5", "dll.hash.sha1");
    }

    // A SHA-1-shaped value (40 hex digits) for n.
    private static string Sha1(int n) => Hash(n)[..40];

    [Theory]
    [InlineData(7, 173)] // cut short after the first batch of 7 was stored: the rest are new to the next hunt
    [InlineData(10_000, 0)] // one batch, stored before the cut
    public async Task Every_match_is_stored_once_as_it_is_found_and_a_hunt_cut_short_is_run_again_by_the_next(int batch, int newOnRerun)
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = await StoreOfAsync(Connection);
        var hunt = new DuckDbIndicatorStore(store) { RetroHuntBatch = batch };
        List<Indicator> listed = [new(IndicatorType.Ipv4, "198.51.100.4", "f"), new(IndicatorType.Cidr, "198.51.100.0/28", "f")];
        await hunt.ReplaceFeedAsync("f", listed, Start, ct);

        // Cut short once its first batch is stored (as a crash would): the indicators stay pending.
        var cut = async () => await hunt.RetroHuntAsync("f", Start, _ => throw new IOException("stopped"), ct);
        await cut.Should().ThrowAsync<IOException>();
        Scalar(store, "SELECT count(*) FROM retro_hunt_pending WHERE feed = 'f'").Should().Be(2L);
        (await hunt.CountPendingRetroHuntsAsync(ct)).Should().Equal(new Dictionary<string, long> { ["f"] = 2 });

        // Even n with n % 50 = 4: 20 events, each matched by the address and by the block; n % 50 in 0..15: 160 by the block.
        var raised = new List<Alert>();
        (await hunt.RetroHuntAsync("f", Start, raised.Add, ct)).Should().Be(new RetroHuntOutcome(Matches: 180, NewAlerts: newOnRerun));
        raised.Select(a => a.Id).Should().OnlyHaveUniqueItems().And.HaveCount(newOnRerun);
        Scalar(store, "SELECT count(*) FROM alerts WHERE source = 'retro-hunt' AND \"event.code\" = '3' AND \"host.name\" LIKE 'WKS-%'").Should().Be(180L);
        Scalar(store, "SELECT count(DISTINCT id) FROM alerts").Should().Be(180L);
        Scalar(store, "SELECT count(*) FROM alerts WHERE \"matched.atomic\" = '198.51.100.4'").Should().Be(40L);
        Scalar(store, "SELECT count(*) FROM retro_hunt_pending").Should().Be(0L);
        (await hunt.CountPendingRetroHuntsAsync(ct)).Should().BeEmpty();

        (await hunt.RetroHuntAsync("f", Start, raised.Add, ct)).Should().Be(default(RetroHuntOutcome), "nothing is pending once hunted");
        (await hunt.ReplaceFeedAsync("f", listed, Start.AddHours(1), ct)).Added.Should().Be(0);
        (await hunt.RetroHuntAsync("f", Start, raised.Add, ct)).Should().Be(default(RetroHuntOutcome), "a refresh with nothing new hunts nothing");
        Scalar(store, "SELECT count(*) FROM alerts").Should().Be(180L);
    }

    // Events 0-999 (Connection), reopened as the worker opens its store (queries under the load limit), with an
    // address and a block new to feed f, alerts stored 7 at a time.
    private async Task<(DuckDbStore Store, DuckDbIndicatorStore Hunt)> WorkerStoreWithNewAddressesAsync(string memoryLimit, string loadMemoryLimit)
    {
        (await StoreOfAsync(Connection)).Dispose();
        var store = DuckDbStore.Open(Path.Combine(Dir, "s.duckdb"), memoryLimit: memoryLimit, threads: 2, loadMemoryLimit: loadMemoryLimit, boundQueries: true);
        var hunt = new DuckDbIndicatorStore(store) { RetroHuntBatch = 7 };
        await hunt.ReplaceFeedAsync("f", [new(IndicatorType.Ipv4, "198.51.100.4", "f"), new(IndicatorType.Cidr, "198.51.100.0/28", "f")], Start,
            TestContext.Current.CancellationToken);
        return (store, hunt);
    }

    [Theory]
    [InlineData("256MB", "2MB", 0)] // the hunt's scan does not fit in 2MB
    [InlineData("512MB", "64MB", 7)] // it fits, but DuckDB runs out of its 64MB once the first batch of 7 is stored and raised
    public async Task A_hunt_that_runs_out_of_memory_under_the_load_limit_runs_again_under_the_stores_own_and_counts_each_new_alert_once(
        string memoryLimit, string loadMemoryLimit, int runOutAfter)
    {
        var ct = TestContext.Current.CancellationToken;
        var (store, hunt) = await WorkerStoreWithNewAddressesAsync(memoryLimit, loadMemoryLimit);
        using var _ = store;
        var retried = store.WorkRetried;
        var limit = Scalar(store, "SELECT current_setting('memory_limit')");

        var raised = new List<Alert>();
        void Raise(Alert alert)
        {
            raised.Add(alert);
            if (raised.Count == runOutAfter) Scalar(store, "SELECT len(list(i)) FROM range(20000000) t(i)"); // 160 MB
        }
        (await hunt.RetroHuntAsync("f", Start, Raise, ct)).Should().Be(new RetroHuntOutcome(Matches: 180, NewAlerts: 180));
        store.WorkRetried.Should().Be(retried + 1, $"the hunt ran again under {memoryLimit}");
        raised.Select(a => a.Id).Should().OnlyHaveUniqueItems().And.HaveCount(180, "those raised before it ran out, and the rest after");
        Scalar(store, "SELECT count(*) FROM alerts").Should().Be(180L);
        Scalar(store, "SELECT count(*) FROM retro_hunt_pending").Should().Be(0L);
        Scalar(store, "SELECT current_setting('memory_limit')").Should().Be(limit, "queries get their own limit back");
    }

    [Fact]
    public async Task Only_events_since_the_window_start_are_searched_and_a_feed_hunts_only_its_own_new_indicators()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = await StoreOfAsync(Connection);
        var hunt = new DuckDbIndicatorStore(store);
        await hunt.ReplaceFeedAsync("f", [new(IndicatorType.Cidr, "198.51.100.0/28", "f")], Start, ct);
        await hunt.ReplaceFeedAsync("g", [new(IndicatorType.Ipv4, "192.0.2.1", "g")], Start, ct);
        await hunt.ReplaceFeedAsync("h", [new(IndicatorType.Ipv4, "192.0.2.1", "h")], Start, ct);

        // Of the 160 events in the block, those after the 500th second: 80.
        (await hunt.RetroHuntAsync("f", Start.AddSeconds(500), null, ct)).Should().Be(new RetroHuntOutcome(Matches: 80, NewAlerts: 80));
        (await hunt.RetroHuntAsync("h", Start.AddDays(1), null, ct)).Should().Be(default(RetroHuntOutcome), "no event is stored since then");
        Scalar(store, "SELECT count(*) FROM retro_hunt_pending WHERE feed = 'h'").Should().Be(0L, "hunted: there was nothing to find");
        // The odd events went to 192.0.2.1: 500 of them, for g only.
        (await hunt.RetroHuntAsync("g", Start, null, ct)).Should().Be(new RetroHuntOutcome(Matches: 500, NewAlerts: 500));
        Column(store, "SELECT DISTINCT \"threat.feed.name\" FROM alerts ORDER BY 1").Should().Equal("f", "g");
    }
}
