using System.Globalization;
using System.Text.Json.Nodes;
using FluentAssertions;
using Sysmon.Ingest.DeadLetter;
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
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sysmon-duckdb-tests", Guid.NewGuid().ToString("N"));

    public DuckDbEventSinkTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string StorePath => Path.Combine(_dir, "sysmon.duckdb");

    private async Task<RunSummary> IngestAsync(params string[] paths)
    {
        var files = InputFiles.Expand(paths, out var missing, out _);
        missing.Should().BeEmpty();
        using var store = DuckDbStore.Open(StorePath);
        await using var sink = new DuckDbEventSink(store);
        using var dead = new DeadLetterWriter(Path.Combine(_dir, "dead.ndjson"));
        var pipeline = new EventPipeline(new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions()),
            Sysmon.Ingest.Tests.Fixtures.Convert.Mapper(), sink, dead) { BatchSize = 97 };
        return await pipeline.RunAsync(files, TestContext.Current.CancellationToken);
    }

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
        await File.WriteAllTextAsync(Path.Combine(_dir, "events.ndjson"), string.Concat(SampleEvents.All.Select(s => EventForms.Beats(s) + "\n")));
        await IngestAsync(Path.Combine(_dir, "events.ndjson"));
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
        await File.WriteAllTextAsync(Path.Combine(_dir, "events.ndjson"), string.Concat(SampleEvents.All.Select(s => EventForms.Beats(s) + "\n")));
        await IngestAsync(Path.Combine(_dir, "events.ndjson"));
        var (first, last) = IpNumbers.Range("203.0.113.0/24");
        Query($"SELECT \"destination.ip\" FROM events WHERE \"destination.ip_num\" BETWEEN {first} AND {last}").Single()[0].Should().Be("203.0.113.66");
        Query("SELECT count(*) FROM events WHERE \"destination.ip_num\" = ip4_num('203.0.113.66')").Single()[0].Should().Be(1L);
        var (a, b) = IpNumbers.Range("203.0.114.0/24");
        Query($"SELECT count(*) FROM events WHERE \"destination.ip_num\" BETWEEN {a} AND {b}").Single()[0].Should().Be(0L);
        IpNumbers.Range("2001:db8::/32").Last.Should().BeGreaterThan(IpNumbers.Range("2001:db8::/32").First);
    }

    [Fact]
    public async Task The_same_record_twice_in_one_batch_is_stored_once()
    {
        var line = EventForms.Beats(SampleEvents.All[0]) + "\n";
        await File.WriteAllTextAsync(Path.Combine(_dir, "twice.ndjson"), line + line + line);
        var summary = await IngestAsync(Path.Combine(_dir, "twice.ndjson"));
        summary.Duplicates.Should().Be(2);
        Query("SELECT count(*) FROM events").Single()[0].Should().Be(1L);
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
