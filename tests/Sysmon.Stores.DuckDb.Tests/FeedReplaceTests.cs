using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using Sysmon.Enrich;
using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;
using Sysmon.Stores.DuckDb.Schema;
using Xunit;
using TempDirectory = Sysmon.Ingest.Tests.Fixtures.TempDirectory;
using static Sysmon.Stores.DuckDb.Tests.StoreQueries;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>
/// A feed refresh of hundreds of thousands of indicators fits the store's memory: the indicators table holds no key
/// index in memory (schema 4), and a refresh finds new, seen-again and gone indicators by joins on their ids. With the
/// key, 1,000,000 hashes ran out of the default 256 MB; here 200,000 run in 64 MB, which the upsert through the key did not.
/// </summary>
public sealed class FeedReplaceTests : IDisposable
{
    private readonly TempDirectory _temp = new("sysmon-feed-tests");

    private string Dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    private string StorePath => Path.Combine(Dir, "s.duckdb");

    private static string Sha256(int n) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(n.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    private static List<Indicator> Hashes(int from, int count) =>
        Enumerable.Range(from, count).Select(n => new Indicator(IndicatorType.Sha256, Sha256(n), "bench-hashes") { Confidence = "high", Tlp = "CLEAR" }).ToList();

    [Fact]
    public async Task A_feed_of_200000_hashes_is_stored_and_refreshed_in_64MB()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        using var store = DuckDbStore.Open(StorePath, memoryLimit: "64MB", threads: 2);
        var indicators = new DuckDbIndicatorStore(store);

        var first = Hashes(0, 200_000);
        first.Add(first[7]); // a feed that lists one hash twice stores it once
        var firstPull = await indicators.ReplaceFeedAsync("bench-hashes", first, t0, ct);
        firstPull.Added.Should().Be(200_000);
        firstPull.Indicators.Should().Be(200_000, "200,001 lines, one of them a repeat");
        Scalar(store, "SELECT count(*) FROM retro_hunt_pending").Should().Be(200_000L, "new indicators wait for the feed's retro-hunt");
        (await indicators.RetroHuntAsync("bench-hashes", t0.AddDays(-30), null, ct)).Should().Be(default(RetroHuntOutcome), "no event is stored");
        Scalar(store, "SELECT count(*) FROM retro_hunt_pending").Should().Be(0L, "hunted, though there was nothing to hunt through");

        // The next day: half of them again, 100,000 new, 100,000 gone.
        var next = await indicators.ReplaceFeedAsync("bench-hashes", Hashes(100_000, 200_000), t0.AddDays(1), ct);
        next.Indicators.Should().Be(200_000);
        next.Added.Should().Be(100_000);
        PendingValues(store).Should().HaveCount(100_000).And.Contain(Sha256(299_999)).And.NotContain(Sha256(100_000));

        Scalar(store, "SELECT count(*) FROM indicators").Should().Be(300_000L);
        Scalar(store, "SELECT count(DISTINCT id) FROM indicators").Should().Be(300_000L);
        Scalar(store, "SELECT count(*) FROM indicators WHERE expired").Should().Be(100_000L);
        Scalar(store, $"SELECT expired FROM indicators WHERE value = '{Sha256(5)}'").Should().Be(true);
        Scalar(store, $"SELECT \"threat.indicator.last_seen\" FROM indicators WHERE value = '{Sha256(150_000)}'").Should().Be(t0.AddDays(1).UtcDateTime);
        Scalar(store, $"SELECT \"threat.indicator.first_seen\" FROM indicators WHERE value = '{Sha256(150_000)}'").Should().Be(t0.UtcDateTime);
        (await indicators.LoadActiveAsync(ct)).Should().HaveCount(200_000);

        // A hash that comes back is active again, not stored twice.
        (await indicators.ReplaceFeedAsync("bench-hashes", Hashes(0, 10), t0.AddDays(2), ct)).Added.Should().Be(10);
        PendingValues(store).Should().BeEquivalentTo(Hashes(0, 10).Select(i => i.Value), "those that left the feed unhunted are no longer pending");
        Scalar(store, "SELECT count(*) FROM indicators").Should().Be(300_000L);
        Scalar(store, "SELECT count(*) FROM indicators WHERE NOT expired").Should().Be(10L);
    }

    [Fact]
    public async Task A_feed_replaced_under_the_load_limit_is_run_again_under_the_stores_own_when_it_does_not_fit()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        using var store = DuckDbStore.Open(StorePath, memoryLimit: "256MB", threads: 2, loadMemoryLimit: "2MB");
        var indicators = new DuckDbIndicatorStore(store);
        var feed = Hashes(0, 50_000);
        feed.Insert(0, feed[49_999] with { Confidence = "low" }); // listed twice: the first is kept
        var limit = Scalar(store, "SELECT current_setting('memory_limit')");

        (await indicators.ReplaceFeedAsync("bench-hashes", feed, t0, ct)).Added.Should().Be(50_000);
        store.WorkRetried.Should().Be(1, "50,000 hashes do not fit in 2MB of DuckDB memory");
        Scalar(store, "SELECT count(*) FROM indicators").Should().Be(50_000L);
        Scalar(store, $"SELECT \"threat.indicator.confidence\" FROM indicators WHERE value = '{Sha256(49_999)}'").Should().Be("low");
        Scalar(store, "SELECT current_setting('memory_limit')").Should().Be(limit, "queries get the store's own limit back");
    }

    [Fact]
    public async Task A_source_that_fails_after_handing_over_indicators_leaves_the_feeds_set_as_it_was()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        using var store = DuckDbStore.Open(StorePath);
        var indicators = new DuckDbIndicatorStore(store);
        await indicators.ReplaceFeedAsync("bench-hashes", Hashes(0, 1_000), t0, ct);
        await indicators.RetroHuntAsync("bench-hashes", t0, null, ct);

        // A parser that finds the payload bad at its end, after 5,000 indicators were staged.
        var failing = async () => await indicators.ReplaceFeedAsync("bench-hashes", each =>
        {
            foreach (var i in Hashes(500, 5_000)) each(i);
            throw new InvalidDataException("too many invalid entries");
        }, t0.AddDays(1), ct);
        await failing.Should().ThrowAsync<InvalidDataException>();

        Scalar(store, "SELECT count(*) FROM indicators").Should().Be(1_000L);
        Scalar(store, "SELECT count(*) FROM indicators WHERE NOT expired").Should().Be(1_000L);
        Scalar(store, "SELECT max(\"threat.indicator.last_seen\") FROM indicators").Should().Be(t0.UtcDateTime);
        Scalar(store, "SELECT count(*) FROM retro_hunt_pending").Should().Be(0L, "nothing of a failed replace waits for a hunt");
        // The next good refresh runs as if the failed one never happened.
        var next = await indicators.ReplaceFeedAsync("bench-hashes", Hashes(500, 1_000), t0.AddDays(2), ct);
        next.Indicators.Should().Be(1_000);
        next.Added.Should().Be(500);
        PendingValues(store).Should().BeEquivalentTo(Enumerable.Range(1_000, 500).Select(Sha256));
        Scalar(store, "SELECT count(*) FROM indicators WHERE NOT expired").Should().Be(1_000L);
    }

    [Fact]
    public async Task A_schema_3_store_keeps_its_indicators_and_loses_the_key()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        using (var store = DuckDbStore.Open(StorePath))
        {
            await new DuckDbIndicatorStore(store).ReplaceFeedAsync("bench-hashes", Hashes(0, 3), t0, ct);
            // Schema 3's indicators table as it was: the id its primary key.
            DuckDbSchema.Execute(store.Connection, """
                CREATE TABLE indicators_v3 AS SELECT * FROM indicators;
                DROP TABLE indicators;
                CREATE TABLE indicators (
                  id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, "threat.indicator.type" VARCHAR NOT NULL, value VARCHAR NOT NULL,
                  ip_first UHUGEINT, ip_last UHUGEINT, "threat.feed.name" VARCHAR NOT NULL, "threat.indicator.confidence" VARCHAR,
                  "threat.indicator.marking.tlp" VARCHAR, "threat.indicator.reference" VARCHAR, "threat.indicator.description" VARCHAR,
                  "threat.indicator.first_seen" TIMESTAMP NOT NULL, "threat.indicator.last_seen" TIMESTAMP NOT NULL,
                  expired BOOLEAN NOT NULL DEFAULT false);
                INSERT INTO indicators SELECT * FROM indicators_v3;
                DROP TABLE indicators_v3;
                UPDATE sysmon_meta SET value = '3' WHERE key = 'schema_version';
                """);
            Scalar(store, PrimaryKeys).Should().Be(1L);
        }
        using (var store = DuckDbStore.Open(StorePath))
        {
            DuckDbSchema.ReadVersion(store.Connection).Should().Be(DuckDbSchema.CurrentVersion);
            Scalar(store, PrimaryKeys).Should().Be(0L);
            Scalar(store, "SELECT count(*) FROM indicators").Should().Be(3L);
            (await new DuckDbIndicatorStore(store).ReplaceFeedAsync("bench-hashes", Hashes(2, 2), t0.AddDays(1), ct)).Added.Should().Be(1);
            PendingValues(store).Should().Contain(Sha256(3));
            Scalar(store, "SELECT count(*) FROM indicators WHERE NOT expired").Should().Be(2L);
        }
    }

    // The values of the indicators waiting for their feed's retro-hunt.
    private static List<string> PendingValues(DuckDbStore store) =>
        Column(store, "SELECT i.value FROM retro_hunt_pending p JOIN indicators i USING (id)").Cast<string>().ToList();

    private const string PrimaryKeys = "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'indicators' AND constraint_type = 'PRIMARY KEY'";
}
