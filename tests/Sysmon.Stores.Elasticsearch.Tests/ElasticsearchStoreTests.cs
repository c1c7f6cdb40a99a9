using System.Text.Json.Nodes;
using FluentAssertions;
using Sysmon.Enrich;
using Sysmon.Enrich.Feeds;
using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;
using Sysmon.Ingest.Ecs;
using Sysmon.Queries;
using Sysmon.Queries.Lineage;
using Sysmon.Stores.Elasticsearch.Connection;
using Sysmon.Stores.Elasticsearch.Hunts;
using Sysmon.Stores.Elasticsearch.Indicators;
using Sysmon.Stores.Elasticsearch.Setup;
using Sysmon.Stores.Elasticsearch.Writing;
using Xunit;
using EsMethod = Elastic.Transport.HttpMethod;

namespace Sysmon.Stores.Elasticsearch.Tests;

/// <summary>
/// The Elasticsearch store against a real cluster (see <see cref="ElasticsearchFixture"/>; skipped with the reason
/// when there is none). Each test writes to a data stream of its own (logs-sysmon-tNNNN, which the logs-sysmon
/// template matches) and uses addresses from 198.51.100.0/24, so tests and the conformance suite do not see each
/// other's data.
/// </summary>
public sealed class ElasticsearchStoreTests(ElasticsearchFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewStream() => "logs-sysmon-t" + Guid.NewGuid().ToString("N")[..10];

    private static async Task<JsonNode> JsonAsync(ElasticsearchConnection es, EsMethod method, string path, string? body = null) =>
        JsonNode.Parse((await es.SendOkAsync(method, path, body, Ct)).Body)!;

    private static async Task<long> CountAsync(ElasticsearchConnection es, string stream)
    {
        await es.SendOkAsync(EsMethod.POST, stream + "/_refresh", null, Ct);
        return (await JsonAsync(es, EsMethod.GET, stream + "/_count"))["count"]!.GetValue<long>();
    }

    private static EcsDocument Event(string id, string code, params (string Path, string Value)[] fields)
    {
        var d = new EcsDocument { Id = id };
        d.Set("@timestamp", "2026-01-05T10:00:00.000Z");
        d.Set("event.code", code);
        d.Set("event.id", id);
        d.Set("host.name", "WKS-IT");
        foreach (var (p, v) in fields) d.Set(p, v);
        return d;
    }

    [Fact]
    public async Task Setup_run_again_changes_nothing()
    {
        var es = fixture.Connection;
        var actions = await new ClusterSetup(es).InstallAsync(Ct);
        actions.Should().OnlyContain(a => a.Outcome == SetupOutcome.Unchanged, "the fixture installed everything already");
        (await JsonAsync(es, EsMethod.GET, "_index_template/logs-sysmon"))["index_templates"]![0]!["index_template"]!["priority"]!.GetValue<int>().Should().Be(200);
    }

    [Fact]
    public async Task Events_are_stored_once_even_when_sent_twice_and_after_a_rollover()
    {
        var es = fixture.Connection;
        var stream = NewStream();
        var docs = await MappedDocuments.AllAsync();
        var first = await new ElasticsearchEventSink(es, dataStream: stream).WriteAsync(docs, Ct);
        first.Stored.Should().Be(docs.Count);
        first.Rejected.Should().BeNull();
        (await CountAsync(es, stream)).Should().Be(docs.Count);

        var again = await new ElasticsearchEventSink(es, dataStream: stream).WriteAsync(docs, Ct);
        again.Duplicates.Should().Be(docs.Count, "op_type=create answers 409 for ids in the write index");
        (await CountAsync(es, stream)).Should().Be(docs.Count);

        await es.SendOkAsync(EsMethod.POST, stream + "/_rollover", null, Ct);
        var afterRollover = await new ElasticsearchEventSink(es, dataStream: stream).WriteAsync(docs, Ct);
        afterRollover.Stored.Should().Be(0, "ids already in an older backing index are found before writing");
        afterRollover.Duplicates.Should().Be(docs.Count);
        (await CountAsync(es, stream)).Should().Be(docs.Count);
        await es.SendAsync(EsMethod.DELETE, "_data_stream/" + stream, (string?)null, Ct);
    }

    [Fact]
    public async Task A_cluster_answering_429_is_waited_for_and_the_operator_is_told()
    {
        var es = fixture.Connection;
        var stream = NewStream();
        var docs = await MappedDocuments.AllAsync();
        var patient = new BulkWriterOptions { Backoff = new Backoff { Initial = TimeSpan.FromMilliseconds(200), Max = TimeSpan.FromSeconds(1), MaxRetries = 60 } };
        var sink = new ElasticsearchEventSink(es, patient, stream);
        (await sink.WriteAsync(docs.Take(1).ToList(), Ct)).Stored.Should().Be(1);
        sink.TakeWarnings().Should().BeEmpty("a healthy cluster took the document the first time");

        // The flood-stage disk block, set by hand: writes are answered 429 (TOO_MANY_REQUESTS/12) as on a full cluster.
        await es.SendOkAsync(EsMethod.PUT, stream + "/_settings", """{"index.blocks.read_only_allow_delete": true}""", Ct);
        var rest = docs.Skip(1).ToList();
        var write = sink.WriteAsync(rest, Ct).AsTask();
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        write.IsCompleted.Should().BeFalse("the writer waits for a busy cluster rather than dropping or rejecting");
        await es.SendOkAsync(EsMethod.PUT, stream + "/_settings", """{"index.blocks.read_only_allow_delete": null}""", Ct);

        var result = await write;
        result.Stored.Should().Be(rest.Count);
        result.Rejected.Should().BeNull();
        (await CountAsync(es, stream)).Should().Be(docs.Count);
        var warning = sink.TakeWarnings().Should().ContainSingle().Subject;
        warning.Should().StartWith("Elasticsearch made 1 batch wait: documents were sent again").And.Contain("429");
        sink.TakeWarnings().Should().BeEmpty("told once");
        await es.SendAsync(EsMethod.DELETE, "_data_stream/" + stream, (string?)null, Ct);
    }

    [Fact]
    public async Task A_document_the_mapping_refuses_is_rejected_with_its_reason_not_counted_as_stored()
    {
        var es = fixture.Connection;
        var stream = NewStream();
        var good = Event("good-1", "3", ("destination.ip", "198.51.100.20"));
        var bad = Event("bad-1", "3", ("destination.ip", "198.51.100.21"));
        bad.Set("destination.port", "not-a-port"); // a string where the mapping says long
        var result = await new ElasticsearchEventSink(es, dataStream: stream).WriteAsync([good, bad], Ct);
        result.Stored.Should().Be(1);
        result.Rejected.Should().ContainSingle().Which.Document.Id.Should().Be("bad-1");
        result.Rejected![0].Reason.Should().Contain("failure store", "the template turns the failure store on: the item comes back 201 with failure_store: used");
        (await CountAsync(es, stream)).Should().Be(1);
        await es.SendAsync(EsMethod.DELETE, "_data_stream/" + stream, (string?)null, Ct);
    }

    [Fact]
    public async Task Stored_documents_keep_array_order_and_are_found_by_the_lineage_lookup()
    {
        var es = fixture.Connection;
        var stream = NewStream();
        var parent = Event("p-1", "1", ("process.entity_id", "{AAAAAAAA-0000-0000-0000-000000000001}"), ("process.executable", @"C:\Office\winword.exe"));
        var child = Event("c-1", "1", ("process.entity_id", "{AAAAAAAA-0000-0000-0000-000000000002}"),
            ("process.parent.entity_id", "{AAAAAAAA-0000-0000-0000-000000000001}"), ("process.executable", @"C:\Windows\powershell.exe"));
        foreach (var a in new[] { "powershell.exe", "-NoP", "-Enc", "ZQBjAGgAbwA=", "-NoP" }) child.Append("process.args", a);
        // explorer's creation was not collected: its connection and its child's creation still describe it.
        var connection = Event("n-1", "3", ("process.entity_id", "{AAAAAAAA-0000-0000-0000-000000000009}"), ("process.executable", @"C:\Windows\explorer.exe"));
        connection.Set("process.pid", 1234L);
        var orphan = Event("c-2", "1", ("process.entity_id", "{AAAAAAAA-0000-0000-0000-000000000010}"),
            ("process.parent.entity_id", "{AAAAAAAA-0000-0000-0000-000000000009}"), ("process.parent.executable", @"C:\Windows\explorer.exe"),
            ("process.parent.command_line", "explorer.exe"), ("process.executable", @"C:\Users\a\invoice.exe"));
        await new ElasticsearchEventSink(es, dataStream: stream).WriteAsync([parent, child, connection, orphan], Ct);
        await es.SendOkAsync(EsMethod.POST, stream + "/_refresh", null, Ct);

        var hit = (await JsonAsync(es, EsMethod.POST, stream + "/_search", """{"query":{"ids":{"values":["c-1"]}}}"""))["hits"]!["hits"]![0]!["_source"]!;
        hit["process"]!["args"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal("powershell.exe", "-NoP", "-Enc", "ZQBjAGgAbwA=", "-NoP");

        var lineage = await new ProcessLineage(new ElasticsearchProcessLookup(es, stream)).BuildAsync("{aaaaaaaa-0000-0000-0000-000000000002}", 10, Ct);
        lineage.Ancestors.Select(a => a.Executable).Should().Equal(@"C:\Office\winword.exe");
        var lookup = new ElasticsearchProcessLookup(es, stream);
        var fromConnection = await new ProcessLineage(lookup).BuildAsync("{aaaaaaaa-0000-0000-0000-000000000009}", 10, Ct);
        fromConnection.Process.Should().BeEquivalentTo(new { KnownFrom = ProcessKnownFrom.OtherEvents, Executable = @"C:\Windows\explorer.exe", Pid = (long?)1234 });
        fromConnection.Descendants.Select(d => d.Executable).Should().Equal(@"C:\Users\a\invoice.exe");
        var fromChild = await new ProcessLineage(lookup).BuildAsync("{aaaaaaaa-0000-0000-0000-000000000010}", 10, Ct);
        fromChild.Ancestors.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            KnownFrom = ProcessKnownFrom.ChildEvent, Executable = @"C:\Windows\explorer.exe", CommandLine = "explorer.exe",
        });
        await es.SendAsync(EsMethod.DELETE, "_data_stream/" + stream, (string?)null, Ct);
    }

    [Fact]
    public async Task A_feed_refresh_reaches_ESQL_ENRICH_retro_hunts_raise_alerts_once_and_expired_indicators_go()
    {
        var es = fixture.Connection;
        // One alert per bulk request: the retro-hunt stores its alerts as it goes.
        var store = new ElasticsearchIndicatorStore(es) { EventsPattern = NewStream(), RetroHuntBatch = 1 };
        var feed = "it-feed-" + Guid.NewGuid().ToString("N")[..6];
        var indicators = new List<Indicator> { new(IndicatorType.Cidr, "198.51.100.128/25", feed), new(IndicatorType.Cidr, "10.0.0.0/8", feed) };
        var replacement = await store.ReplaceFeedAsync(feed, indicators, DateTimeOffset.UtcNow, Ct);
        replacement.Indicators.Should().Be(2, "the feed lists two ranges, whether or not one of them is indexed");
        replacement.Added.Should().Be(1, "10.0.0.0/8 is allow-listed and never indexed");
        var cidrId = indicators[0].Id;
        (await store.LoadActiveAsync(Ct)).Should().Contain(i => i.Feed == feed && i.Value == "198.51.100.128/25");

        var enriched = await new ElasticsearchHuntEngine(es).RunAsync(
            "ROW ip = TO_IP(?ip) | ENRICH sysmon-ioc-cidr ON ip WITH feed = threat.feed.name | KEEP feed",
            new Dictionary<string, object?> { ["ip"] = "198.51.100.200" }, Ct);
        enriched.Rows.Single()[0].Should().BeEquivalentTo(feed, "the refresh executed the policy, so ENRICH sees the new snapshot");

        await new ElasticsearchEventSink(es, dataStream: store.EventsPattern).WriteAsync(
            [Event("r-1", "3", ("destination.ip", "198.51.100.200")), Event("r-2", "3", ("destination.ip", "198.51.100.5")),
             Event("r-3", "3", ("destination.ip", "198.51.100.129"))], Ct);
        await es.SendOkAsync(EsMethod.POST, store.EventsPattern + "/_refresh", null, Ct);
        var since = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        // Cut short after its first alert is stored (as a crash would): the indicator stays flagged in the index, through
        // a refresh of the same feed, and a new process (a new store) hunts it and stores only the other alert.
        var cut = async () => await store.RetroHuntAsync(feed, since, _ => throw new IOException("stopped"), Ct);
        await cut.Should().ThrowAsync<IOException>();
        (await store.ReplaceFeedAsync(feed, indicators, DateTimeOffset.UtcNow, Ct)).Added.Should().Be(0, "nothing new, but still pending");
        var restarted = new ElasticsearchIndicatorStore(es) { EventsPattern = store.EventsPattern, RetroHuntBatch = 1 };
        var raised = new List<Alert>();
        (await restarted.RetroHuntAsync(feed, since, raised.Add, Ct)).Should().Be(new RetroHuntOutcome(Matches: 2, NewAlerts: 1), "an alert id already stored is skipped");
        raised.Select(a => a.EventId).Should().ContainSingle().Which.Should().BeOneOf("r-1", "r-3");
        (await restarted.RetroHuntAsync(feed, since, raised.Add, Ct)).Should().Be(default(RetroHuntOutcome), "nothing is pending once hunted");
        (await store.ReplaceFeedAsync(feed, indicators, DateTimeOffset.UtcNow, Ct)).Added.Should().Be(0);
        (await store.RetroHuntAsync(feed, since, raised.Add, Ct)).Should().Be(default(RetroHuntOutcome), "a refresh does not flag a hunted indicator again");
        await es.SendOkAsync(EsMethod.POST, Ingest.Names.AlertsDataStream + "/_refresh", null, Ct);
        var stored = await JsonAsync(es, EsMethod.POST, Ingest.Names.AlertsDataStream + "/_search",
            $$$"""{"query":{"terms":{"sysmon.alert.id":["r-1|destination.ip|{{{cidrId}}}","r-3|destination.ip|{{{cidrId}}}"]}},"fields":["sysmon.alert.source"],"_source":false}""");
        stored["hits"]!["hits"]!.AsArray().Select(h => h!["fields"]!["sysmon.alert.source"]![0]!.GetValue<string>()).Should().Equal("retro-hunt", "retro-hunt");

        (await store.ReplaceFeedAsync(feed, [], DateTimeOffset.UtcNow, Ct)).Should().Be(new FeedReplacement(0, 0));
        (await store.LoadActiveAsync(Ct)).Should().NotContain(i => i.Feed == feed);
        await es.SendAsync(EsMethod.DELETE, "_data_stream/" + store.EventsPattern, (string?)null, Ct);
    }

    [Fact]
    public async Task A_refresh_written_in_batches_that_proves_bad_at_its_end_leaves_the_feed_as_it_was()
    {
        var es = fixture.Connection;
        // Two indicators per bulk batch: the bad payload below has written three batches before it throws.
        var store = new ElasticsearchIndicatorStore(es) { ReplaceBatch = 2 };
        var feed = "it-feed-" + Guid.NewGuid().ToString("N")[..6];
        Indicator Hash(int n) => new(IndicatorType.Sha256, n.ToString("x64"), feed);
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        (await store.ReplaceFeedAsync(feed, [Hash(1), Hash(2), Hash(3)], t0, Ct)).Should().Be(new FeedReplacement(3, 3));
        var bad = async () => await store.ReplaceFeedAsync(feed, each =>
        {
            for (var n = 2; n < 9; n++) each(Hash(n));
            throw new FeedException("payload mostly invalid");
        }, t0.AddDays(1), Ct);
        await bad.Should().ThrowAsync<FeedException>();
        await es.SendOkAsync(EsMethod.POST, Ingest.Names.IndicatorsIndex + "/_refresh", null, Ct);
        (await store.LoadActiveAsync(Ct)).Where(i => i.Feed == feed).Select(i => i.Value).Should().BeEquivalentTo(
            [Hash(1).Value, Hash(2).Value, Hash(3).Value], "the five it added are gone again, and none of the last good set went");

        var next = await store.ReplaceFeedAsync(feed, [Hash(3), Hash(4), Hash(4)], t0.AddDays(2), Ct);
        next.Should().Be(new FeedReplacement(2, 1), "hash 4 is new (listed twice, counted once) and 1 and 2 left");
        var stored = await JsonAsync(es, EsMethod.POST, Ingest.Names.IndicatorsIndex + "/_search",
            $$$"""{"query":{"term":{"threat.feed.name":"{{{feed}}}"}},"sort":[{"indicator_id":"asc"}],"_source":["value","threat.indicator.first_seen"]}""");
        stored["hits"]!["hits"]!.AsArray().Select(h => (h!["_source"]!["value"]!.GetValue<string>(), h["_source"]!["threat"]!["indicator"]!["first_seen"]!.GetValue<string>()))
            .Should().BeEquivalentTo([(Hash(3).Value, "2026-01-01T00:00:00.000Z"), (Hash(4).Value, "2026-01-03T00:00:00.000Z")], "first_seen is kept for those listed before");
        await store.ReplaceFeedAsync(feed, [], t0, Ct);
    }

    [Fact]
    public async Task The_pipeline_tags_events_from_other_shippers_and_running_it_again_does_not_duplicate()
    {
        var es = fixture.Connection;
        var store = new ElasticsearchIndicatorStore(es);
        var feed = "it-pipeline-" + Guid.NewGuid().ToString("N")[..6];
        await store.ReplaceFeedAsync(feed, [new Indicator(IndicatorType.Ipv4, "198.51.100.77", feed)], DateTimeOffset.UtcNow, Ct);
        var body = """
            {"docs":[{"_source":{"@timestamp":"2026-01-05T10:00:00Z","destination":{"ip":"198.51.100.77"},
              "threat":{"enrichments":[{"matched":{"type":"enrich","field":"destination.ip","atomic":"198.51.100.77"}}]}}}]}
            """;
        var result = await JsonAsync(es, EsMethod.POST, "_ingest/pipeline/sysmon-enrich/_simulate", body);
        var doc = result["docs"]![0]!["doc"]!["_source"]!;
        var enrichments = doc["threat"]!["enrichments"]!.AsArray();
        enrichments.Should().ContainSingle("the earlier enrichment of this pipeline is replaced, not kept beside the new one");
        enrichments[0]!["matched"]!["field"]!.GetValue<string>().Should().Be("destination.ip");
        enrichments[0]!["indicator"]!["provider"]!.GetValue<string>().Should().Be(feed);
        doc["_tmp"].Should().BeNull();
        await store.ReplaceFeedAsync(feed, [], DateTimeOffset.UtcNow, Ct);
    }

    [Fact]
    public async Task Esql_warnings_come_back_beside_the_rows()
    {
        var es = fixture.Connection;
        var stream = NewStream();
        (await new ElasticsearchEventSink(es, dataStream: stream).WriteAsync([Event("warn-1", "1")], Ct)).Stored.Should().Be(1);
        await es.SendOkAsync(EsMethod.POST, stream + "/_refresh", null, Ct);
        var result = await new ElasticsearchHuntEngine(es).RunAsync($"FROM {stream} | EVAL n = TO_LONG(host.name) | KEEP n",
            new Dictionary<string, object?>(), Ct);
        result.Rows.Should().ContainSingle().Which[0].Should().BeNull("WKS-IT is no number");
        result.Warnings.Should().Contain(w => w.Contains("treating result as null", StringComparison.Ordinal));
        await es.SendAsync(EsMethod.DELETE, "_data_stream/" + stream, (string?)null, Ct);
    }

    [Fact]
    public async Task Scheduled_hunt_rows_are_reported_once()
    {
        var engine = new ElasticsearchHuntEngine(fixture.Connection);
        var hunt = "it-hunt-" + Guid.NewGuid().ToString("N")[..6];
        var result = new HuntResult(["host.name", "runs"], [["H1", 3L], ["H2", 1L]]);
        var parameters = new Dictionary<string, object?> { ["from"] = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) };
        (await engine.SaveResultsAsync(hunt, parameters, DateTimeOffset.UtcNow, result, Ct)).Should().Be(2);
        (await engine.SaveResultsAsync(hunt, parameters, DateTimeOffset.UtcNow, result, Ct)).Should().Be(0);
        await fixture.Connection.SendOkAsync(EsMethod.POST, Ingest.Names.HuntsIndex + "/_refresh", null, Ct);
        (await engine.StoredRowsAsync(Ct)).Should().ContainSingle(s => s.Hunt == hunt).Which.Rows.Should().Be(2);
    }

    [Fact]
    public async Task Stored_events_read_back_in_order_as_written_go_on_after_a_position_and_copy_into_another_stream()
    {
        var es = fixture.Connection;
        var stream = NewStream();
        var copy = NewStream();
        var docs = await MappedDocuments.AllAsync();
        (await new ElasticsearchEventSink(es, dataStream: stream).WriteAsync(docs, Ct)).Stored.Should().Be(docs.Count);
        await es.SendOkAsync(EsMethod.POST, stream + "/_refresh", null, Ct);
        var source = new ElasticsearchStoredEvents(es, stream) { PageSize = 7 };

        var read = new List<Ingest.Pipeline.StoredEvent>();
        await foreach (var e in source.ReadAsync(null, Ct)) read.Add(e);
        read.Should().HaveCount(docs.Count).And.OnlyContain(e => e.Error == null);
        var written = docs.ToDictionary(d => d.Id!, d => Ingest.Output.EcsJsonWriter.ToJson(d));
        foreach (var e in read) Ingest.Output.EcsJsonWriter.ToJson(e.Document!).Should().Be(written[e.Id], "_source is the document as sent");
        read.Select(e => (e.Document!.GetString("@timestamp"), e.Id)).Should().BeInAscendingOrder(x => x.Item1 + "|" + x.Id, StringComparer.Ordinal);

        var after = read[9].Position;
        (await source.CountAsync(after, Ct)).Should().Be(docs.Count - 10);
        var rest = new List<string>();
        await foreach (var e in source.ReadAsync(after, Ct)) rest.Add(e.Id);
        rest.Should().Equal(read.Skip(10).Select(e => e.Id));
        read[9].PositionId.Should().Be(read[9].Id, "a position is the hit's own sort values");
        (await source.IdAtAsync(after, Ct)).Should().Be(read[9].Id);
        (await source.IdAtAsync(after.Replace(read[9].Id, "not-stored", StringComparison.Ordinal), Ct)).Should().BeNull();

        var dead = Path.Combine(Path.GetTempPath(), "reindex-it-" + Guid.NewGuid().ToString("N") + ".ndjson");
        using (var deadLetters = new Ingest.DeadLetter.DeadLetterWriter(dead))
        {
            var positions = new List<string>();
            var summary = await new Ingest.Pipeline.Reindexer(source, new ElasticsearchEventSink(es, dataStream: copy), deadLetters, stream)
            {
                BatchSize = 5, CheckpointEvery = 10, OnCheckpoint = (last, _) => { positions.Add(last.Position); return Task.CompletedTask; },
            }.RunAsync(null, new Ingest.Pipeline.RunSummary(), Ct);
            summary.Events.Should().Be(docs.Count);
            summary.Rejected.Should().Be(0);
            positions.Should().HaveCountGreaterThan(1).And.EndWith(read[^1].Position);
        }
        (await CountAsync(es, copy)).Should().Be(docs.Count);
        File.Exists(dead).Should().BeFalse("nothing was rejected");
        await es.SendAsync(EsMethod.DELETE, "_data_stream/" + stream, (string?)null, Ct);
        await es.SendAsync(EsMethod.DELETE, "_data_stream/" + copy, (string?)null, Ct);
    }
}
