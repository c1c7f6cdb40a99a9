using System.Globalization;
using FluentAssertions;
using Sysmon.Enrich.Matching;
using Sysmon.Stores.DuckDb.Schema;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;
using static Sysmon.Stores.DuckDb.Tests.StoreQueries;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>
/// Alerts are stored at most once by their id, and the alerts table holds no index in memory: a feed that matches
/// hundreds of thousands of events must not eat the memory the event loads run in.
/// </summary>
public sealed class AlertWriteTests : IDisposable
{
    private readonly TempDirectory _temp = new("sysmon-alert-tests");

    private string Dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    private string StorePath => Path.Combine(Dir, "s.duckdb");

    private static readonly DateTimeOffset Start = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);

    // Alert n: an event n seconds after Start connecting to one of 50 listed addresses (ids as long as real ones).
    private static Alert Connection(int n, string source = "ingest") =>
        new($"ev{n.ToString("D20", CultureInfo.InvariantCulture)}", Start.AddSeconds(n), "3", "WKS-" + (n % 7).ToString(CultureInfo.InvariantCulture),
            "destination.ip", "198.51.100." + (n % 50).ToString(CultureInfo.InvariantCulture), $"bench-ips|Ipv4|198.51.100.{n % 50}", "bench-ips", source);

    private static List<Alert> Connections(int from, int count) => Enumerable.Range(from, count).Select(n => Connection(n)).ToList();

    [Fact]
    public async Task An_alert_is_stored_once_however_often_it_is_written()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = DuckDbStore.Open(StorePath);
        var alerts = new DuckDbIndicatorStore(store);

        (await alerts.WriteAlertsAsync(Connections(0, 10), ct)).Should().BeEquivalentTo(Connections(0, 10));
        (await alerts.WriteAlertsAsync(Connections(0, 10), ct)).Should().BeEmpty("every one is stored already");
        (await alerts.WriteAlertsAsync([.. Connections(5, 10), Connection(12), Connection(12)], ct))
            .Should().BeEquivalentTo(Connections(10, 5), "10-14 are new, 12 is in the write twice");
        // The same match found again by a retro-hunt: same id, so still one alert.
        (await alerts.WriteAlertsAsync([Connection(3, "retro-hunt")], ct)).Should().BeEmpty();

        Scalar(store, "SELECT count(*) FROM alerts").Should().Be(15L);
        Scalar(store, "SELECT count(DISTINCT id) FROM alerts").Should().Be(15L);
        Scalar(store, "SELECT \"matched.atomic\" FROM alerts WHERE \"event.id\" = 'ev00000000000000000012'").Should().Be("198.51.100.12");
    }

    [Fact]
    public async Task An_alert_stored_a_day_away_from_its_copy_is_still_found()
    {
        // An alert carries its event's time, which can differ between exports of one record by up to the load margin.
        var ct = TestContext.Current.CancellationToken;
        using var store = DuckDbStore.Open(StorePath);
        var alerts = new DuckDbIndicatorStore(store);
        var stored = Connection(1);
        (await alerts.WriteAlertsAsync([stored, Connection(100_000)], ct)).Should().HaveCount(2);
        (await alerts.WriteAlertsAsync([stored with { Timestamp = stored.Timestamp.AddHours(23) }], ct)).Should().BeEmpty();
        Scalar(store, "SELECT count(*) FROM alerts").Should().Be(2L);
    }

    [Fact]
    public async Task Hundreds_of_thousands_of_alerts_leave_no_index_in_DuckDBs_memory()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = DuckDbStore.Open(StorePath);
        var alerts = new DuckDbIndicatorStore(store);
        const int Writes = 50, PerWrite = 4096;
        for (var w = 0; w < Writes; w++) (await alerts.WriteAlertsAsync(Connections(w * PerWrite, PerWrite), ct)).Should().HaveCount(PerWrite);

        Scalar(store, "SELECT count(*) FROM alerts").Should().Be((long)Writes * PerWrite);
        // With a primary key on alerts.id, DuckDB held its index in memory: 19 MB for these 204,800 alerts.
        // The other tables' keys (store metadata, feed state, indicators, hunt results) take a block or two.
        ((long)Scalar(store, "SELECT coalesce(sum(memory_usage_bytes), 0)::BIGINT FROM duckdb_memory() WHERE tag = 'ART_INDEX'")!)
            .Should().BeLessThan(2L << 20, "no index of the alerts is held in memory");
    }

    [Fact]
    public async Task A_schema_2_file_is_migrated_keeping_its_alerts_without_their_primary_key()
    {
        var ct = TestContext.Current.CancellationToken;
        using (var store = DuckDbStore.Open(StorePath))
        {
            // Schema 2's alerts table as it was: the id the primary key, the whole alert in doc.
            DuckDbSchema.Execute(store.Connection, """
                DROP TABLE alerts;
                CREATE TABLE alerts (
                  id VARCHAR PRIMARY KEY, "@timestamp" TIMESTAMP NOT NULL, "event.id" VARCHAR NOT NULL, "event.code" VARCHAR,
                  "host.name" VARCHAR, "matched.field" VARCHAR, "matched.atomic" VARCHAR, "matched.type" VARCHAR,
                  "indicator.id" VARCHAR, "threat.feed.name" VARCHAR, "rule.name" VARCHAR, source VARCHAR, doc JSON)
                """);
            foreach (var a in Connections(0, 3))
            {
                DuckDbSchema.Execute(store.Connection, $"INSERT INTO alerts VALUES ('{a.Id}', TIMESTAMP '{a.Timestamp.UtcDateTime:yyyy-MM-dd HH:mm:ss}', " +
                    $"'{a.EventId}', '3', '{a.Host}', 'destination.ip', '{a.MatchedAtomic}', 'indicator_match', '{a.IndicatorId}', 'bench-ips', NULL, 'ingest', '{{}}')");
            }
            DuckDbSchema.Execute(store.Connection, "UPDATE sysmon_meta SET value = '2' WHERE key = 'schema_version'");
            Scalar(store, PrimaryKeys).Should().Be(1L);
        }
        using (var store = DuckDbStore.Open(StorePath))
        {
            DuckDbSchema.ReadVersion(store.Connection).Should().Be(DuckDbSchema.CurrentVersion);
            Scalar(store, "SELECT count(*) FROM alerts").Should().Be(3L);
            Scalar(store, "SELECT \"matched.atomic\" FROM alerts WHERE \"event.id\" = 'ev00000000000000000002'").Should().Be("198.51.100.2");
            (await new DuckDbIndicatorStore(store).WriteAlertsAsync(Connections(1, 3), ct)).Should().Equal([Connection(3)], "two of them came across with the file");
            Scalar(store, PrimaryKeys).Should().Be(0L);
        }
    }

    private const string PrimaryKeys = "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'alerts' AND constraint_type = 'PRIMARY KEY'";
}
