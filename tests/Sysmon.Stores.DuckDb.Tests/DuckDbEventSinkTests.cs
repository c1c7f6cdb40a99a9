using System.Globalization;
using System.Text.Json.Nodes;
using FluentAssertions;
using Sysmon.Ingest.DeadLetter;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Output;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Tests.Fixtures;
using Sysmon.Stores.DuckDb.Schema;
using Xunit;
using Sysmon.Queries;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>The embedded store on real DuckDB files: counts back, idempotence, typed columns, IP ranges, schema versions.</summary>
public sealed class DuckDbEventSinkTests : IDisposable
{
    private readonly TempDirectory _temp = new("sysmon-duckdb-tests");

    private string Dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    private string StorePath => Path.Combine(Dir, "sysmon.duckdb");

    private Task<RunSummary> IngestAsync(params string[] paths) => IngestAsync(SinkMode.Immediate, 0, 97, paths);

    private async Task<RunSummary> IngestAsync(SinkMode mode, int rowsPerLoad, int batchSize, params string[] paths)
    {
        var files = InputFiles.Expand(paths, out var missing, out _);
        missing.Should().BeEmpty();
        using var store = DuckDbStore.Open(StorePath);
        await using var sink = new DuckDbEventSink(store, mode) { RowsPerLoad = rowsPerLoad };
        using var dead = new DeadLetterWriter(Path.Combine(Dir, "dead.ndjson"));
        var pipeline = new EventPipeline(new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions()),
            Sysmon.Ingest.Tests.Fixtures.Convert.Mapper(), sink, dead) { BatchSize = batchSize };
        return await pipeline.RunAsync(files, TestContext.Current.CancellationToken);
    }

    private string SampleFile(string name)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, string.Concat(SampleEvents.All.Select(s => EventForms.Beats(s) + "\n")));
        return path;
    }

    private Task<List<EcsDocument>> MappedSamplesAsync() =>
        Sysmon.Ingest.Tests.Fixtures.Convert.MappedSamplesAsync(Path.Combine(Dir, "mapped.ndjson"));

    private List<object?[]> Query(string sql)
    {
        using var store = DuckDbStore.Open(StorePath);
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    private Dictionary<int, int> CountsByCode() =>
        Query("SELECT \"event.code\", count(*) FROM events GROUP BY 1")
            .ToDictionary(r => int.Parse((string)r[0]!, CultureInfo.InvariantCulture), r => (int)(long)r[1]!);

    [Fact]
    public async Task Corpus_files_ingested_twice_are_stored_once_with_the_ground_truth_counts()
    {
        var evtx = SharedCorpus.Require("corpus/evtx/evtx-attack-samples/Privilege_Escalation/Sysmon_UACME_64.evtx");
        var json = SharedCorpus.Require("corpus/json/security-datasets/covenant_dcom_executeexcel4macro_blocked_2020-09-17173147.json");
        var truth = SharedCorpus.GroundTruth();
        var expected = new Dictionary<int, int>();
        foreach (var file in new[] { "evtx/evtx-attack-samples/Privilege_Escalation/Sysmon_UACME_64.evtx", "json/security-datasets/covenant_dcom_executeexcel4macro_blocked_2020-09-17173147.json" })
        {
            foreach (var (id, n) in truth.Single(r => r.File == file).SysmonIds) expected[id] = expected.GetValueOrDefault(id) + n;
        }

        var first = await IngestAsync(evtx, json);
        first.Duplicates.Should().Be(0);
        CountsByCode().Should().BeEquivalentTo(expected);

        var second = await IngestAsync(evtx, json, evtx + ".xml"); // the XML export holds the same records
        second.Duplicates.Should().Be(second.Events);
        CountsByCode().Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task Typed_columns_answer_queries_by_dotted_ecs_names()
    {
        await File.WriteAllTextAsync(Path.Combine(Dir, "events.ndjson"), string.Concat(SampleEvents.All.Select(s => EventForms.Beats(s) + "\n")));
        await IngestAsync(Path.Combine(Dir, "events.ndjson"));
        var row = Query("""
            SELECT "process.pid", "process.name", "process.args", "@timestamp", "process.hash.sha256", "user.name",
                   "winlog.event_data"->>'$.LogonId', doc->>'$.process.pe.original_file_name'
            FROM events_ecs WHERE "event.code" = '1'
            """).Single();
        row[0].Should().Be(6256L);
        row[1].Should().Be("powershell.exe");
        ((System.Collections.IEnumerable)row[2]!).Cast<string>().Should().HaveCount(7);
        row[3].Should().Be(new DateTime(2026, 1, 5, 10, 0, 1, 123, DateTimeKind.Unspecified));
        row[4].Should().Be("de96a6e69944335375dc1ac238336066889d9ffc7d73628ef4fe1b1b160ab32c");
        row[5].Should().Be("alice");
        row[6].Should().Be("0xF3A5E");
        row[7].Should().Be("PowerShell.EXE");
        Query("SELECT count(*) FROM events WHERE list_contains(\"related.hash\", '7adb1cf1a75973079c055f929573ae92557a8c0e5b0e38a6a5427e412fb73d59')")
            .Single()[0].Should().Be(1L);
        Query("SELECT \"sysmon.file.archived\", \"dns.answers\"->>'$[0].type' FROM events_ecs WHERE \"event.code\" IN ('23', '22') ORDER BY \"event.code\"")
            .Select(r => (r[0], r[1])).Should().Equal((null, "CNAME"), (true, null));
    }

    [Fact]
    public async Task Ip_addresses_match_by_equality_and_by_cidr_containment()
    {
        await File.WriteAllTextAsync(Path.Combine(Dir, "events.ndjson"), string.Concat(SampleEvents.All.Select(s => EventForms.Beats(s) + "\n")));
        await IngestAsync(Path.Combine(Dir, "events.ndjson"));
        var (first, last) = IpNumbers.Range("203.0.113.0/24");
        Query($"SELECT \"destination.ip\" FROM events WHERE \"destination.ip_num\" BETWEEN {first} AND {last}").Single()[0].Should().Be("203.0.113.66");
        Query("SELECT count(*) FROM events WHERE \"destination.ip_num\" = ip4_num('203.0.113.66')").Single()[0].Should().Be(1L);
        var (a, b) = IpNumbers.Range("203.0.114.0/24");
        Query($"SELECT count(*) FROM events WHERE \"destination.ip_num\" BETWEEN {a} AND {b}").Single()[0].Should().Be(0L);
        IpNumbers.Range("2001:db8::/32").Last.Should().BeGreaterThan(IpNumbers.Range("2001:db8::/32").First);
    }

    [Fact]
    public async Task Ipv6_addresses_are_stored_as_elasticsearch_shows_them()
    {
        // Sysmon writes IPv6 unabbreviated; ES|QL on Elasticsearch returns ip values in their shortest form.
        var connect = EventForms.Beats(SampleEvents.All.Single(s => s.Id == 3))
            .Replace("10.20.30.40", "fe80:0:0:0:2c8e:1d1b:8a7e:40b2", StringComparison.Ordinal)
            .Replace("203.0.113.66", "::ffff:203.0.113.66", StringComparison.Ordinal);
        connect.Should().Contain("fe80:0:0:0:2c8e:1d1b:8a7e:40b2").And.Contain("::ffff:203.0.113.66");
        await File.WriteAllTextAsync(Path.Combine(Dir, "events.ndjson"), connect + "\n");
        await IngestAsync(Path.Combine(Dir, "events.ndjson"));
        var row = Query("""
            SELECT "source.ip", "destination.ip", "related.ip", "source.ip_num" = CAST(? AS UHUGEINT)
            FROM events_ecs
            """.Replace("?", IpNumbers.From("fe80::2c8e:1d1b:8a7e:40b2")!.Value.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)).Single();
        row[0].Should().Be("fe80::2c8e:1d1b:8a7e:40b2");
        row[1].Should().Be("203.0.113.66");
        ((System.Collections.IEnumerable)row[2]!).Cast<string>().Should().Equal("fe80::2c8e:1d1b:8a7e:40b2", "203.0.113.66");
        row[3].Should().Be(true);
    }

    [Fact]
    public async Task The_same_record_twice_in_one_batch_is_stored_once()
    {
        var line = EventForms.Beats(SampleEvents.All[0]) + "\n";
        await File.WriteAllTextAsync(Path.Combine(Dir, "twice.ndjson"), line + line + line);
        var summary = await IngestAsync(Path.Combine(Dir, "twice.ndjson"));
        summary.Duplicates.Should().Be(2);
        Query("SELECT count(*) FROM events").Single()[0].Should().Be(1L);
    }

    [Theory]
    [InlineData(SinkMode.Immediate, 0, 4)]
    [InlineData(SinkMode.Bulk, 7, 4)]
    [InlineData(SinkMode.Bulk, 1000, 97)]
    public async Task Repeated_records_are_stored_once_and_counted_as_duplicates_in_either_mode(SinkMode mode, int rowsPerLoad, int batchSize)
    {
        // 30 distinct events, then the same 30 again: within one load (caught while writing the load file) or in a
        // later load (caught by the load's anti-join), depending on the load size.
        var first = SampleFile("first.ndjson");
        var again = SampleFile("again.ndjson");
        var summary = await IngestAsync(mode, rowsPerLoad, batchSize, first, again);
        summary.Duplicates.Should().Be(30);
        Query("SELECT count(*), count(DISTINCT id) FROM events").Single().Should().Equal(30L, 30L);
        (await IngestAsync(mode, rowsPerLoad, batchSize, again)).Duplicates.Should().Be(30);
        Query("SELECT count(*) FROM events").Single()[0].Should().Be(30L);
    }

    [Fact]
    public async Task The_view_puts_every_document_back_together_from_its_columns_and_doc()
    {
        var docs = await MappedSamplesAsync();
        using (var store = DuckDbStore.Open(StorePath))
        {
            await using var sink = new DuckDbEventSink(store);
            (await sink.WriteAsync(docs, TestContext.Current.CancellationToken)).Stored.Should().Be(30);
        }
        var stored = Query("SELECT d.id, d.document, length(e.doc) FROM events_documents d JOIN events e USING (id)").ToDictionary(r => (string)r[0]!, r => ((string)r[1]!, (long)r[2]!));
        stored.Should().HaveCount(30);
        foreach (var doc in docs)
        {
            var whole = EcsJsonWriter.ToJson(doc);
            var (document, docLength) = stored[doc.Id!];
            JsonNode.DeepEquals(JsonNode.Parse(document), JsonNode.Parse(whole)).Should().BeTrue($"event {doc.GetString("event.code")}:\n{document}\n{whole}");
            docLength.Should().BeLessThan(whole.Length, "doc leaves out the fields that have a column");
        }
    }

    [Theory]
    [InlineData("Linux-Sysmon/Operational")]
    [InlineData("linux-sysmon/operational")]
    [InlineData("Microsoft-Windows-Sysmon/Operational")]
    [InlineData(null)] // rendered message text carries no channel
    public async Task The_views_give_host_os_and_host_id_as_the_mapper_sets_them_though_doc_does_not_keep_them(string? channel)
    {
        var events = await Sysmon.Ingest.Tests.Fixtures.Convert.EventsAsync(new Sysmon.Ingest.Json.JsonEventReader(),
            Sysmon.Ingest.Tests.Fixtures.EventForms.Beats(Sysmon.Ingest.Tests.Fixtures.SampleEvents.All[0]) + "\n");
        events[0].Channel = channel;
        var doc = Sysmon.Ingest.Tests.Fixtures.Convert.Mapper().Map(events[0]);
        using (var store = DuckDbStore.Open(StorePath))
        {
            await using var sink = new DuckDbEventSink(store);
            (await sink.WriteAsync([doc], TestContext.Current.CancellationToken)).Stored.Should().Be(1);
        }
        var mapped = JsonNode.Parse(EcsJsonWriter.ToJson(doc))!["host"]!["os"]!.ToJsonString();
        var row = Query("""SELECT d.document->'$.host.os', e."host.os.type", e."host.os.family", e."host.os.platform", r."host.os.type", r."host.os.family", s.doc->'$.host' FROM events_documents d, events_ecs e, events_ecs_rows r, events s""").Single();
        JsonNode.DeepEquals(JsonNode.Parse((string)row[0]!), JsonNode.Parse(mapped)).Should().BeTrue($"{row[0]} against the mapper's {mapped}");
        var os = JsonNode.Parse(mapped)!;
        row[1].Should().Be(os["type"]!.GetValue<string>()).And.Be(row[4]);
        row[2].Should().Be(os["family"]?.GetValue<string>()).And.Be(row[5]);
        row[3].Should().Be(os["platform"]?.GetValue<string>());
        row[6].Should().BeNull("doc leaves host.os out; the views compute it");

        // host.id likewise: the computer name, which Elastic's hunting queries count hosts by.
        var id = Query("""SELECT d.document->>'$.host.id', e."host.id", r."host.id", e."host.name", s.doc->'$.host.id' FROM events_documents d, events_ecs e, events_ecs_rows r, events s""").Single();
        id[0].Should().Be(doc.GetString("host.id")).And.Be(id[1]).And.Be(id[2]).And.Be(id[3]).And.NotBeNull();
        id[4].Should().BeNull("doc leaves host.id out too");
    }

    [Fact]
    public async Task A_shippers_host_id_and_agent_are_stored_and_read_back_and_the_computer_name_is_not_stored_twice()
    {
        const string Shipped = "{\"agent\":{\"id\":\"5d1c4a0e-7f3b-4c9e-9a51-2b7e0c3d8f10\",\"name\":\"WS-0042\",\"type\":\"winlogbeat\",\"version\":\"8.17.0\"}," +
                               "\"host\":{\"id\":\"a3f0c1d2-0b5e-4f6a-8c7d-9e1f2a3b4c5d\"},";
        var beats = Sysmon.Ingest.Tests.Fixtures.EventForms.Beats(Sysmon.Ingest.Tests.Fixtures.SampleEvents.All[0]);
        var events = await Sysmon.Ingest.Tests.Fixtures.Convert.EventsAsync(new Sysmon.Ingest.Json.JsonEventReader(), Shipped + beats[1..] + "\n" + beats + "\n");
        events[1].RecordId = 99; // another record of the same host, shipped from a file without a shipper
        var docs = events.Select(e => Sysmon.Ingest.Tests.Fixtures.Convert.Mapper().Map(e)).ToList();
        docs[0].GetString("host.id").Should().Be("a3f0c1d2-0b5e-4f6a-8c7d-9e1f2a3b4c5d");
        using (var store = DuckDbStore.Open(StorePath))
        {
            await using var sink = new DuckDbEventSink(store);
            (await sink.WriteAsync(docs, TestContext.Current.CancellationToken)).Stored.Should().Be(2);
        }

        var rows = Query("""
            SELECT e."host.id", r."host.id", d.document->>'$.host.id', s."host.id", e."agent.id", r."agent.type", e."agent.version", e."host.name", s.doc->'$.host', s.doc->'$.agent'
            FROM events_ecs e JOIN events_ecs_rows r USING (id) JOIN events_documents d USING (id) JOIN events s USING (id) ORDER BY e."agent.id" NULLS LAST
            """);
        rows[0].Should().Equal("a3f0c1d2-0b5e-4f6a-8c7d-9e1f2a3b4c5d", "a3f0c1d2-0b5e-4f6a-8c7d-9e1f2a3b4c5d", "a3f0c1d2-0b5e-4f6a-8c7d-9e1f2a3b4c5d",
            "a3f0c1d2-0b5e-4f6a-8c7d-9e1f2a3b4c5d", "5d1c4a0e-7f3b-4c9e-9a51-2b7e0c3d8f10", "winlogbeat", "8.17.0", SampleEvent.Computer, null, null);
        rows[1].Should().Equal(SampleEvent.Computer, SampleEvent.Computer, SampleEvent.Computer, null, null, null, null, SampleEvent.Computer, null, null);

        using var reopened = DuckDbStore.Open(StorePath);
        var read = new List<StoredEvent>();
        await foreach (var e in new DuckDbStoredEvents(reopened).ReadAsync(null, TestContext.Current.CancellationToken)) read.Add(e);
        read.Select(e => EcsJsonWriter.ToJson(e.Document!)).Should().BeEquivalentTo(docs.Select(EcsJsonWriter.ToJson), "reindex reads back what was mapped");
    }

    [Fact]
    public async Task A_line_DuckDB_cannot_read_is_refused_by_name_and_the_rest_of_the_load_is_stored()
    {
        var docs = await MappedSamplesAsync();
        var victim = docs[5];
        using var store = DuckDbStore.Open(StorePath);
        // Damage one line of the load file the way a truncated write would: cut it in half.
        await using var sink = new DuckDbEventSink(store, SinkMode.Bulk)
        {
            RowsPerLoad = 1000,
            BeforeLoad = path =>
            {
                var lines = File.ReadAllLines(path);
                lines[5] = lines[5][..(lines[5].Length / 2)];
                File.WriteAllLines(path, lines);
            },
        };
        (await sink.WriteAsync(docs, TestContext.Current.CancellationToken)).Stored.Should().Be(0, "bulk mode loads at flush");
        var result = await sink.FlushAsync(TestContext.Current.CancellationToken);
        result.Stored.Should().Be(29);
        result.Duplicates.Should().Be(0);
        var refused = result.Rejected.Should().ContainSingle().Subject;
        refused.Document.Id.Should().Be(victim.Id);
        refused.Reason.Should().StartWith("the embedded store could not read this row:");
        store.Count().Should().Be(29);
    }

    [Fact]
    public async Task Documents_without_an_id_or_a_valid_timestamp_are_refused_with_the_reason_and_the_rest_stored()
    {
        var docs = await MappedSamplesAsync();
        docs[3].Set("@timestamp", "2026-02-30T07:20:48.728Z"); // no such day
        docs[7].Id = null;
        docs[7].Remove("event.id");
        using var store = DuckDbStore.Open(StorePath);
        await using var sink = new DuckDbEventSink(store);
        var result = await sink.WriteAsync(docs, TestContext.Current.CancellationToken);
        result.Stored.Should().Be(28);
        result.Rejected!.Select(r => (r.Document, r.Reason)).Should().BeEquivalentTo(new[]
        {
            (docs[3], "document without a valid @timestamp"),
            (docs[7], "document without event.id"),
        });
        var letter = result.Rejected![0].ToRejectedRecord();
        letter.Position.Path.Should().NotBe("?", "the dead letter says which file the event came from");
        store.Count().Should().Be(28);
    }

    [Fact]
    public async Task A_load_file_reusing_the_memory_of_earlier_loads_names_its_own_lines()
    {
        // Load files of a bulk sink share their id sets and write buffers: a damaged line of the third load must be
        // named by the third load's id at that line, not by what an earlier load left behind.
        var docs = await MappedSamplesAsync();
        using var store = DuckDbStore.Open(StorePath);
        var loads = 0;
        await using var sink = new DuckDbEventSink(store, SinkMode.Bulk)
        {
            RowsPerLoad = 10,
            BeforeLoad = path =>
            {
                if (++loads != 3) return;
                var lines = File.ReadAllLines(path);
                lines[5] = lines[5][..(lines[5].Length / 2)];
                File.WriteAllLines(path, lines);
            },
        };
        var results = new List<SinkResult>();
        for (var i = 0; i < docs.Count; i += 10)
        {
            results.Add(await sink.WriteAsync(docs.Skip(i).Take(10).ToList(), TestContext.Current.CancellationToken));
        }
        results.Add(await sink.FlushAsync(TestContext.Current.CancellationToken));
        loads.Should().Be(3);
        var refused = results.SelectMany(r => r.Rejected ?? []).Should().ContainSingle().Subject;
        refused.Document.Id.Should().Be(docs[25].Id);
        results.Sum(r => r.Duplicates).Should().Be(0);
        store.Count().Should().Be(29);
    }

    [Fact]
    public async Task Bulk_loads_hold_exactly_the_rows_per_load_even_when_a_batch_straddles_the_cut()
    {
        // Whole loads fill whole row groups; a load with a few rows over leaves a small row group that DuckDB's
        // checkpoint later merges with the next partial load, rewriting it.
        var docs = await MappedSamplesAsync();
        using var store = DuckDbStore.Open(StorePath);
        var loadSizes = new List<int>();
        var results = new List<SinkResult>();
        await using (var sink = new DuckDbEventSink(store, SinkMode.Bulk)
        {
            RowsPerLoad = 8,
            BeforeLoad = path => loadSizes.Add(File.ReadLines(path).Count()),
        })
        {
            for (var i = 0; i < docs.Count; i += 7)
            {
                results.Add(await sink.WriteAsync(docs.Skip(i).Take(7).ToList(), TestContext.Current.CancellationToken));
            }
            results.Add(await sink.FlushAsync(TestContext.Current.CancellationToken));
        }
        docs.Should().HaveCount(30);
        loadSizes.Should().Equal(8, 8, 8, 6);
        results.Sum(r => r.Stored).Should().Be(30);
        store.Dispose(); // closed before another instance reads the file: one process's instances do not lock each other out
        Query("SELECT count(*), count(DISTINCT id) FROM events").Single().Should().Equal(30L, 30L);
    }

    [Fact]
    public async Task Events_are_loaded_on_the_load_threads_and_queries_get_every_thread_back()
    {
        var docs = await MappedSamplesAsync();
        using var store = DuckDbStore.Open(StorePath, threads: 3, loadThreads: 1);
        var during = new List<long>();
        await using (var sink = new DuckDbEventSink(store, SinkMode.Bulk)
        {
            RowsPerLoad = 20,
            BeforeLoad = _ => during.Add(StoreSettings.Threads(store)),
        })
        {
            for (var i = 0; i < docs.Count; i += 10)
            {
                await sink.WriteAsync(docs.Skip(i).Take(10).ToList(), TestContext.Current.CancellationToken);
            }
            await sink.FlushAsync(TestContext.Current.CancellationToken);
        }
        docs.Should().HaveCount(30);
        during.Should().HaveCount(2).And.OnlyContain(t => t == 1);
        StoreSettings.Threads(store).Should().Be(3);
        store.Count().Should().Be(docs.Count);
    }

    [Fact]
    public async Task A_store_attached_afresh_between_loads_keeps_every_event_once_and_still_finds_duplicates()
    {
        var docs = await MappedSamplesAsync();
        using var store = DuckDbStore.Open(StorePath);
        store.ReattachAfterRows = 10;
        var results = new List<SinkResult>();
        await using (var sink = new DuckDbEventSink(store, SinkMode.Bulk) { RowsPerLoad = 10 })
        {
            foreach (var round in new[] { docs, docs })
            {
                for (var i = 0; i < round.Count; i += 10)
                {
                    results.Add(await sink.WriteAsync(round.Skip(i).Take(10).ToList(), TestContext.Current.CancellationToken));
                }
            }
            results.Add(await sink.FlushAsync(TestContext.Current.CancellationToken));
        }
        store.Reattachments.Should().Be(3, "30 rows stored, attached afresh after every 10");
        results.Sum(r => r.Stored).Should().Be(30);
        results.Sum(r => r.Duplicates).Should().Be(30, "the second round is found in the file attached afresh");
        store.Dispose(); // closed before another instance reads the file: one process's instances do not lock each other out
        Query("SELECT count(*), count(DISTINCT id) FROM events").Single().Should().Equal(30L, 30L);
    }

    [Fact]
    public async Task Settling_waits_for_the_load_under_way_and_leaves_what_is_held_back_for_after_a_release()
    {
        // The worker settles the sink and lets the file go within a large file, for a waiting query; flushing instead
        // made the query wait for one more load.
        var docs = await MappedSamplesAsync();
        var ct = TestContext.Current.CancellationToken;
        using (var store = DuckDbStore.Open(StorePath))
        {
            await using var sink = new DuckDbEventSink(store, SinkMode.Bulk) { RowsPerLoad = 10 };
            var written = await sink.WriteAsync(docs.Take(25).ToList(), ct);
            var settled = await sink.SettleAsync(ct);
            (written.Stored + settled.Stored).Should().Be(20, "two loads of 10 have ended; the last 5 are held back");
            store.Release().Should().BeTrue();
            Query("SELECT count(*) FROM events").Single().Should().Equal(20L); // read while the file is let go, as a query beside the worker
            (await sink.FlushAsync(ct)).Stored.Should().Be(5, "the file is attached again for the rows held back");
        }
        // Read once the store is closed: two DuckDB instances of one process on one file do not lock each other out.
        Query("SELECT count(*), count(DISTINCT id) FROM events").Single().Should().Equal(25L, 25L);
    }

    [Fact]
    public void A_store_without_threads_is_refused()
    {
        var open = () => DuckDbStore.Open(StorePath, loadThreads: 0);
        open.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task A_document_larger_than_DuckDBs_default_json_object_size_is_stored_whole()
    {
        var docs = await MappedSamplesAsync();
        var huge = docs.First(d => d.GetString("event.code") == "1");
        huge.Set("process.command_line", new string('A', 17 << 20)); // read_json's maximum_object_size is 16 MB
        using (var store = DuckDbStore.Open(StorePath))
        {
            await using var sink = new DuckDbEventSink(store);
            var result = await sink.WriteAsync(docs, TestContext.Current.CancellationToken);
            result.Stored.Should().Be(30);
            result.Rejected.Should().BeNull();
        }
        Query($"SELECT length(\"process.command_line\") FROM events WHERE id = '{huge.Id}'").Single()[0].Should().Be(17L << 20);
    }

    [Fact]
    public async Task A_schema_1_file_is_migrated_keeping_its_events_and_drops_the_primary_key_index()
    {
        var docs = await MappedSamplesAsync();
        using (var store = DuckDbStore.Open(StorePath))
        {
            // Schema 1 as it was: events.id the primary key, the whole document in doc.
            var columns = string.Join(", ", EventColumns.All.Select(c => c.Quoted + " " + (c.Kind == ColumnKind.Id ? "VARCHAR PRIMARY KEY" : c.SqlType)));
            DuckDbSchema.Execute(store.Connection, $"DROP VIEW events_ecs; DROP TABLE events; CREATE TABLE events ({columns})");
            DuckDbSchema.Execute(store.Connection, $"INSERT INTO events (id, \"@timestamp\", \"event.code\", doc) VALUES ('{docs[0].Id}', TIMESTAMP '2026-01-05 10:00:00', " +
                                                   $"'{docs[0].GetString("event.code")}', '{EcsJsonWriter.ToJson(docs[0]).Replace("'", "''", StringComparison.Ordinal)}')");
            DuckDbSchema.Execute(store.Connection, "UPDATE sysmon_meta SET value = '1' WHERE key = 'schema_version'");
        }
        using (var store = DuckDbStore.Open(StorePath))
        {
            DuckDbSchema.ReadVersion(store.Connection).Should().Be(DuckDbSchema.CurrentVersion);
            store.Count().Should().Be(1);
            await using var sink = new DuckDbEventSink(store);
            var result = await sink.WriteAsync(docs, TestContext.Current.CancellationToken);
            result.Stored.Should().Be(29);
            result.Duplicates.Should().Be(1, "the migrated event is already stored");
        }
        Query("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'events' AND constraint_type = 'PRIMARY KEY'").Single()[0].Should().Be(0L);
        Query("SELECT \"process.pe.original_file_name\" FROM events_ecs WHERE \"event.code\" = '1'").Should().HaveCount(1);
    }

    [Fact]
    public async Task A_schema_4_file_gets_the_shipper_columns_and_its_events_keep_the_computer_name_as_host_id()
    {
        var docs = await MappedSamplesAsync();
        using (var store = DuckDbStore.Open(StorePath))
        {
            await using (var sink = new DuckDbEventSink(store)) (await sink.WriteAsync(docs[..10], TestContext.Current.CancellationToken)).Stored.Should().Be(10);
            // Schema 4 as it was: no host.id or agent.* columns, the views computing host.id from host.name.
            DuckDbSchema.Execute(store.Connection, "DROP VIEW events_ecs; DROP VIEW events_ecs_rows; DROP VIEW events_documents");
            foreach (var column in new[] { "host.id", "agent.id", "agent.name", "agent.type", "agent.version" })
            {
                DuckDbSchema.Execute(store.Connection, $"ALTER TABLE events DROP COLUMN \"{column}\"");
            }
            DuckDbSchema.Execute(store.Connection, "UPDATE sysmon_meta SET value = '4' WHERE key = 'schema_version'");
        }
        using (var store = DuckDbStore.Open(StorePath))
        {
            DuckDbSchema.ReadVersion(store.Connection).Should().Be(DuckDbSchema.CurrentVersion);
            await using var sink = new DuckDbEventSink(store);
            (await sink.WriteAsync(docs, TestContext.Current.CancellationToken)).Stored.Should().Be(20, "the 10 stored before are not stored again");
        }
        Query("SELECT count(*), count(DISTINCT \"host.id\"), min(\"host.id\" = \"host.name\"), count(\"agent.id\") FROM events_ecs").Single()
            .Should().Equal(30L, 1L, true, 0L);
        Query("SELECT count(\"host.id\") FROM events").Single()[0].Should().Be(0L, "the computer name is not stored twice");
    }

    [Fact]
    public void Load_files_of_a_killed_run_are_removed_when_the_store_opens_and_a_live_process_keeps_its_own()
    {
        using (DuckDbStore.Open(StorePath)) { }
        var dead = StorePath + ".load-999999999-0123456789abcdef.ndjson";
        var live = StorePath + $".load-{Environment.ProcessId}-0123456789abcdef.ndjson";
        File.WriteAllText(dead, "{}\n");
        File.WriteAllText(live, "{}\n");
        using (DuckDbStore.Open(StorePath)) { }
        File.Exists(dead).Should().BeFalse();
        File.Exists(live).Should().BeTrue();
    }

    [Fact]
    public void Every_field_the_mapper_emits_has_a_column()
    {
        foreach (var file in Directory.GetFiles(GoldenFiles.Directory(), "event-*.json"))
        {
            foreach (var path in Leaves(JsonNode.Parse(File.ReadAllText(file))!, ""))
            {
                EventColumns.Covers(path).Should().BeTrue($"{Path.GetFileName(file)} has {path}");
            }
        }
    }

    private static IEnumerable<string> Leaves(JsonNode node, string prefix)
    {
        if (node is JsonObject o)
        {
            foreach (var (k, v) in o)
            {
                var path = prefix.Length == 0 ? k : prefix + "." + k;
                foreach (var leaf in v is JsonObject ? Leaves(v, path) : [path]) yield return leaf;
            }
        }
    }

    [Fact]
    public void A_file_from_a_newer_schema_is_refused_with_what_to_do()
    {
        using (var store = DuckDbStore.Open(StorePath))
        {
            DuckDbSchema.Execute(store.Connection, "UPDATE sysmon_meta SET value = '99' WHERE key = 'schema_version'");
        }
        var act = () => DuckDbStore.Open(StorePath);
        act.Should().Throw<StoreException>().WithMessage("*newer sysmon-elastic (schema 99*Upgrade sysmon-elastic*");
    }

    [Fact]
    public void An_up_to_date_file_is_opened_without_catalog_changes_and_a_changed_catalog_is_created_again()
    {
        const string Macro = "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'ip4_num'";
        using (var store = DuckDbStore.Open(StorePath)) DuckDbSchema.Execute(store.Connection, "DROP MACRO ip4_num");
        Query(Macro).Single()[0].Should().Be(0L, "opening a current file changes nothing in its catalog");
        using (var store = DuckDbStore.Open(StorePath))
        {
            DuckDbSchema.Execute(store.Connection, "UPDATE sysmon_meta SET value = 'an older build' WHERE key = 'catalog_hash'");
        }
        Query(Macro).Single()[0].Should().Be(1L, "a file whose catalog differs from this build's gets it again");
    }

    [Fact]
    public void A_catalog_made_by_a_later_build_of_the_same_schema_is_left_as_it_is()
    {
        const string Marker = "SELECT count(*) FROM duckdb_views() WHERE view_name = 'events_ecs_rows' AND contains(sql, 'later_build')";
        using (var store = DuckDbStore.Open(StorePath))
        {
            DuckDbSchema.Execute(store.Connection, "CREATE OR REPLACE VIEW events_ecs_rows AS SELECT 1 AS later_build");
            DuckDbSchema.Execute(store.Connection, "UPDATE sysmon_meta SET value = 'a later build' WHERE key = 'catalog_hash'");
            DuckDbSchema.Execute(store.Connection, $"UPDATE sysmon_meta SET value = '{DuckDbSchema.CatalogRevision + 1}' WHERE key = 'catalog_revision'");
        }
        Query(Marker).Single()[0].Should().Be(1L, "this build's older view would hide the later build's fields");
        Query("SELECT value FROM sysmon_meta WHERE key = 'catalog_hash'").Single()[0].Should().Be("a later build");

        using (var store = DuckDbStore.Open(StorePath))
        {
            DuckDbSchema.Execute(store.Connection, $"UPDATE sysmon_meta SET value = '{DuckDbSchema.CatalogRevision - 1}' WHERE key = 'catalog_revision'");
        }
        Query(Marker).Single()[0].Should().Be(0L, "an earlier build's catalog is replaced by this build's");
        Query("SELECT value FROM sysmon_meta WHERE key = 'catalog_revision'").Single()[0].Should().Be(DuckDbSchema.CatalogRevision.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_catalog_revision_is_raised_with_every_change_of_the_catalog()
    {
        // When this fails, the catalog (a table, view or macro) changed: raise DuckDbSchema.CatalogRevision by one and
        // write the new pair here, so that older builds leave the new catalog alone.
        (DuckDbSchema.CatalogRevision, DuckDbSchema.CatalogHash).Should().Be((3, "5fd835ee379b99564abf2d23e1bfbbcf5c26b9cfe769ab4b40fc9c7c877a1cc0"));
    }

    [Fact]
    public void The_schema_version_is_recorded()
    {
        using var store = DuckDbStore.Open(StorePath);
        DuckDbSchema.ReadVersion(store.Connection).Should().Be(DuckDbSchema.CurrentVersion);
        foreach (var table in new[] { "events", "indicators", "alerts", "hunt_results" })
        {
            store.Count(table).Should().Be(0);
        }
    }
}
