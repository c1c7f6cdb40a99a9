using System.Globalization;
using FluentAssertions;
using Sysmon.Enrich.Feeds;
using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;
using Sysmon.Ingest.DeadLetter;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Stores.DuckDb;
using Xunit;

namespace Sysmon.Enrich.Tests;

/// <summary>
/// On a real DuckDB file: a sample feed is loaded, events are ingested of which some connect to listed IPs, some
/// into a listed CIDR, some run a listed hash; exactly those are tagged and alerted. Then a new indicator that
/// matches an already stored event arrives, the feed is refreshed, and exactly one retro-hunt alert appears.
/// </summary>
public sealed class TaggingEndToEndTests
{
    private static string NetworkEvent(int record, string destination) =>
        "{\"winlog\":{\"event_id\":\"3\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"computer_name\":\"WKS-1\",\"record_id\":" +
        record.ToString(CultureInfo.InvariantCulture) + ",\"event_data\":{\"UtcTime\":\"" + DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) +
        "\",\"Image\":\"C:\\\\a.exe\",\"Protocol\":\"tcp\",\"SourceIp\":\"10.1.1.5\",\"SourcePort\":\"50000\",\"DestinationIp\":\"" + destination + "\",\"DestinationPort\":\"443\"}}}\n";

    private static string ProcessEvent(int record, string sha256) =>
        "{\"winlog\":{\"event_id\":\"1\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"computer_name\":\"WKS-1\",\"record_id\":" +
        record.ToString(CultureInfo.InvariantCulture) + ",\"event_data\":{\"UtcTime\":\"" + DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) +
        "\",\"Image\":\"C:\\\\b.exe\",\"Hashes\":\"SHA256=" + sha256 + "\"}}}\n";

    [Fact]
    public async Task Exactly_the_matching_events_are_tagged_and_alerted_and_a_new_indicator_raises_one_retro_alert()
    {
        var ct = TestContext.Current.CancellationToken;
        using var temp = new Sysmon.Ingest.Tests.Fixtures.TempDirectory("sysmon-enrich-tests");
        var dir = temp.Path;
        var list = Path.Combine(dir, "feed.txt");
        await File.WriteAllTextAsync(list, "203.0.113.66\n198.51.100.0/24\n" + new string('a', 64) + "\n10.0.0.0/8\n");
        var feed = new FeedDefinition { Name = "sample", Url = list, Format = "plain" };
        var events = Path.Combine(dir, "events.ndjson");
        await File.WriteAllTextAsync(events,
            NetworkEvent(1, "203.0.113.66") + NetworkEvent(2, "198.51.100.77") + NetworkEvent(3, "192.0.2.10") +
            NetworkEvent(4, "10.20.30.40") + ProcessEvent(5, new string('A', 64)) + ProcessEvent(6, new string('b', 64)) +
            NetworkEvent(7, "192.0.2.99"));

        using var store = DuckDbStore.Open(Path.Combine(dir, "s.duckdb"));
        var indicators = new DuckDbIndicatorStore(store);
        var refresher = new FeedRefresher(new FeedDownloader(new HttpClient()), indicators);
        (await refresher.RefreshAsync(feed, ct)).Succeeded.Should().BeTrue();
        var set = new IndicatorSet(await indicators.LoadActiveAsync(ct), null, false);

        var alerts = new List<Alert>();
        await using (var sink = new TaggingSink(new DuckDbEventSink(store), new EventTagger(() => set), indicators, alerts.Add))
        {
            using var dead = new DeadLetterWriter(Path.Combine(dir, "dead.ndjson"));
            var pipeline = new EventPipeline(new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions()),
                Sysmon.Ingest.Tests.Fixtures.Convert.Mapper(), sink, dead);
            await pipeline.RunAsync([new InputFile(events, 0)], ct);
        }
        alerts.Select(a => (a.MatchedField, a.MatchedAtomic)).Should().BeEquivalentTo(new[]
        {
            ("destination.ip", "203.0.113.66"), ("destination.ip", "198.51.100.77"), ("process.hash.sha256", new string('a', 64)),
        });
        Query(store, "SELECT count(*) FROM alerts").Should().Be(3L);
        Query(store, "SELECT count(*) FROM events WHERE \"threat.enrichments\" IS NOT NULL").Should().Be(3L);
        Query(store, "SELECT \"threat.enrichments\"->>'$[0].matched.field' FROM events WHERE \"winlog.record_id\" = '2'").Should().Be("destination.ip");

        // A new indicator matching record 3, already stored: one retro-hunt alert, and only one even if refreshed again.
        await File.AppendAllTextAsync(list, "192.0.2.10\n", ct);
        var refresh = await refresher.RefreshAsync(feed, ct);
        refresh.NewIndicators.Should().Be(1);
        refresh.RetroAlerts.Should().Be(1);
        (await refresher.RefreshAsync(feed, ct)).RetroAlerts.Should().Be(0);
        Query(store, "SELECT count(*) FROM alerts").Should().Be(4L);
        Query(store, "SELECT \"matched.atomic\" FROM alerts WHERE source = 'retro-hunt'").Should().Be("192.0.2.10");
    }

    private static string EventOf(int record, int eventId, string data) =>
        "{\"winlog\":{\"event_id\":\"" + eventId.ToString(CultureInfo.InvariantCulture) + "\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\"," +
        "\"computer_name\":\"WKS-1\",\"record_id\":" + record.ToString(CultureInfo.InvariantCulture) + ",\"event_data\":{\"UtcTime\":\"" +
        DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) + "\"," + data + "}}}\n";

    [Fact]
    public async Task A_retro_hunt_finds_in_stored_events_exactly_what_tagging_at_ingest_finds()
    {
        var ct = TestContext.Current.CancellationToken;
        using var temp = new Sysmon.Ingest.Tests.Fixtures.TempDirectory("sysmon-enrich-tests");
        var dir = temp.Path;
        var sha1 = "0123456789ABCDEF0123456789ABCDEF01234567";
        var events = Path.Combine(dir, "events.ndjson");
        await File.WriteAllTextAsync(events,
            NetworkEvent(1, "203.0.113.66") + NetworkEvent(2, "198.51.100.77") + NetworkEvent(3, "10.20.30.40") + NetworkEvent(4, "192.0.2.1") +
            ProcessEvent(5, new string('A', 64)) + ProcessEvent(6, new string('b', 64)) +
            EventOf(7, 7, "\"Image\":\"C:\\\\a.exe\",\"ImageLoaded\":\"C:\\\\evil.dll\",\"Hashes\":\"SHA1=" + sha1 + ",MD5=" + new string('C', 32) + "\"") +
            EventOf(8, 22, "\"Image\":\"C:\\\\a.exe\",\"QueryName\":\"BAD.Example\",\"QueryStatus\":\"0\",\"QueryResults\":\"\""),
            ct);
        var list = Path.Combine(dir, "feed.txt");
        await File.WriteAllTextAsync(list, $"203.0.113.66\n198.51.100.0/24\n10.0.0.0/8\n{sha1}\n{new string('c', 32)}\nbad.example\n{new string('a', 64)}\n", ct);

        // Stored with no indicator active; then the feed arrives, and its retro-hunt looks through them.
        using var store = DuckDbStore.Open(Path.Combine(dir, "s.duckdb"));
        var indicators = new DuckDbIndicatorStore(store);
        using (var dead = new DeadLetterWriter(Path.Combine(dir, "dead.ndjson")))
        {
            await using var sink = new DuckDbEventSink(store);
            await new EventPipeline(new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions()),
                Sysmon.Ingest.Tests.Fixtures.Convert.Mapper(), sink, dead).RunAsync([new InputFile(events, 0)], ct);
        }
        var refreshed = await new FeedRefresher(new FeedDownloader(new HttpClient()), indicators)
            .RefreshAsync(new FeedDefinition { Name = "sample", Url = list, Format = "plain" }, ct);
        refreshed.Succeeded.Should().BeTrue(refreshed.Error);

        // What the ingest tagger finds in the same events, with the same indicators.
        var tagger = new EventTagger(() => new IndicatorSet(indicators.LoadActiveAsync(ct).GetAwaiter().GetResult(), null, false));
        var expected = new List<(string, string, string)>();
        foreach (var e in await Sysmon.Ingest.Tests.Fixtures.Convert.EventsAsync(new Sysmon.Ingest.Json.JsonEventReader(), await File.ReadAllTextAsync(events, ct)))
        {
            foreach (var a in tagger.Tag(Sysmon.Ingest.Tests.Fixtures.Convert.Mapper().Map(e)) ?? []) expected.Add((a.MatchedField, a.MatchedAtomic, a.IndicatorId));
        }
        expected.Select(x => x.Item1).Should().Contain(["destination.ip", "dll.hash.sha1", "dll.hash.md5", "dns.question.name", "process.hash.sha256"]);

        var found = new List<(string, string, string)>();
        using (var cmd = store.Connection.CreateCommand())
        {
            cmd.CommandText = "SELECT \"matched.field\", \"matched.atomic\", \"indicator.id\" FROM alerts WHERE source = 'retro-hunt'";
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) found.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }
        found.Should().BeEquivalentTo(expected);
        refreshed.RetroAlerts.Should().Be(expected.Count);
    }

    [Fact]
    public async Task Alerts_written_beside_the_pipeline_are_each_stored_and_reported_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var (dir, store, indicators, set) = await OneIndicatorStoreAsync("203.0.113.66");
        using var _ = dir;
        var events = await Sysmon.Ingest.Tests.Fixtures.Convert.EventsAsync(new Sysmon.Ingest.Json.JsonEventReader(),
            string.Concat(Enumerable.Range(1, 300).Select(r => NetworkEvent(r, r % 3 == 0 ? "192.0.2.10" : "203.0.113.66"))));

        var reported = new List<Alert>();
        // 2 per write: most writes start on a thread of their own while the next batches are tagged.
        await using (var sink = new TaggingSink(new DuckDbEventSink(store, SinkMode.Bulk) { RowsPerLoad = 64 }, new EventTagger(() => set), indicators, reported.Add)
                     { AlertsPerWrite = 2 })
        {
            foreach (var batch in events.Select(Sysmon.Ingest.Tests.Fixtures.Convert.Mapper().Map).Chunk(7)) await sink.WriteAsync(batch, ct);
            await sink.FlushAsync(ct);
            sink.Alerts.Should().Be(200);
        }
        reported.Select(a => a.EventId).Should().OnlyHaveUniqueItems().And.HaveCount(200);
        Query(store, "SELECT count(*) FROM alerts").Should().Be(200L);
        Query(store, "SELECT count(DISTINCT \"event.id\") FROM alerts").Should().Be(200L);
    }

    // A fresh store whose one feed lists one address.
    // The directory owns the store: disposing it closes the store and removes its file.
    private static async Task<(Sysmon.Ingest.Tests.Fixtures.TempDirectory Dir, DuckDbStore Store, DuckDbIndicatorStore Indicators, IndicatorSet Set)> OneIndicatorStoreAsync(string address)
    {
        var dir = new Sysmon.Ingest.Tests.Fixtures.TempDirectory("sysmon-e2e-tests");
        var store = dir.Own(DuckDbStore.Open(dir.File("s.duckdb")));
        var indicators = new DuckDbIndicatorStore(store);
        IndicatorParser.TryParse(address, "feed", out var indicator, out _).Should().BeTrue();
        await indicators.ReplaceFeedAsync("feed", [indicator!], DateTimeOffset.UtcNow, TestContext.Current.CancellationToken);
        return (dir, store, indicators, new IndicatorSet([indicator!], null, false));
    }

    private static object? Query(DuckDbStore store, string sql)
    {
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    [Fact]
    public async Task Alerts_gathered_for_a_bulk_run_are_written_and_reported_at_flush_and_at_disposal_and_never_twice()
    {
        var ct = TestContext.Current.CancellationToken;
        var (dir, store, indicators, set) = await OneIndicatorStoreAsync("203.0.113.66");
        using var _ = dir;
        var events = await Sysmon.Ingest.Tests.Fixtures.Convert.EventsAsync(new Sysmon.Ingest.Json.JsonEventReader(),
            NetworkEvent(1, "203.0.113.66") + NetworkEvent(2, "203.0.113.66") + NetworkEvent(3, "192.0.2.10"));
        var docs = events.Select(Sysmon.Ingest.Tests.Fixtures.Convert.Mapper().Map).ToList();

        var reported = new List<Alert>();
        var sink = new TaggingSink(new DuckDbEventSink(store, SinkMode.Bulk), new EventTagger(() => set), indicators, reported.Add) { AlertsPerWrite = 1000 };
        await sink.WriteAsync(docs[..2], ct);
        reported.Should().BeEmpty("gathered until the flush");
        Query(store, "SELECT count(*) FROM alerts").Should().Be(0L, "gathered until the flush");
        await sink.FlushAsync(ct);
        Query(store, "SELECT count(*) FROM alerts").Should().Be(2L);
        reported.Select(a => a.EventId).Should().Equal(docs[0].Id, docs[1].Id);
        sink.Alerts.Should().Be(2);

        // The same events again (a folder ingested twice): stored already, so nothing is alerted again.
        await sink.WriteAsync(events.Take(2).Select(Sysmon.Ingest.Tests.Fixtures.Convert.Mapper().Map).ToList(), ct);
        await sink.FlushAsync(ct);
        reported.Should().HaveCount(2);
        sink.Alerts.Should().Be(2);

        docs[2].Set("destination.ip", "203.0.113.66");
        docs[2].Remove("threat.enrichments");
        await sink.WriteAsync(docs[2..], ct);
        await sink.DisposeAsync(); // stopped without a flush: the events the sink stored keep their alerts
        Query(store, "SELECT count(*) FROM alerts").Should().Be(3L);
        reported.Should().HaveCount(3);
    }
}
