using FluentAssertions;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>The events_ecs view, which every ES|QL query on the embedded store reads, over a few thousand events: whole
/// rows within the store's default 256 MB. Reading each of its 79 doc fields with a path of its own needed 1.5 GB for
/// 1,972 corpus events, so the first query a responder types, FROM logs-sysmon-* | SORT @timestamp DESC | LIMIT 10,
/// failed with DuckDB's "Out of Memory Error".</summary>
public sealed class EventsViewTests : IDisposable
{
    private const int Copies = 300;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sysmon-view-tests", Guid.NewGuid().ToString("N"));
    private readonly DuckDbStore _store;

    public EventsViewTests()
    {
        Directory.CreateDirectory(_dir);
        _store = DuckDbStore.Open(Path.Combine(_dir, "s.duckdb"));
        // Every sample event (all event ids) 100 times over, each copy its own record.
        var lines = string.Concat(Enumerable.Range(0, Copies).SelectMany(copy =>
            SampleEvents.All.Select(s => EventForms.Beats(s with { RecordId = s.RecordId + copy * 1000 }) + "\n")));
        using var input = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(lines));
        var mapper = Sysmon.Ingest.Tests.Fixtures.Convert.Mapper();
        var docs = new JsonEventReader().ReadAsync(input, "fleet.ndjson", new ReaderOptions()).ToBlockingEnumerable().Select(r => mapper.Map(r.Event!)).ToList();
        new DuckDbEventSink(_store).WriteAsync(docs, default).AsTask().GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _store.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Queries.HuntResult Run(string esql) =>
        new DuckDbHuntEngine(_store).RunAsync(esql, new Dictionary<string, object?>(), TestContext.Current.CancellationToken).GetAwaiter().GetResult();

    [Fact]
    public void Whole_rows_of_thousands_of_events_are_read_within_the_stores_memory()
    {
        _store.Count().Should().Be(SampleEvents.All.Count * Copies);
        var latest = Run("FROM logs-sysmon-* | SORT @timestamp DESC | LIMIT 10");
        latest.Rows.Should().HaveCount(10);
        latest.Columns.Should().Contain(["process.pe.company", "winlog.event_data", "event.type", "process.args_count"]);
        Run("FROM logs-sysmon-*").Rows.Should().HaveCount(1000, "ES|QL's default LIMIT");
        Run("FROM logs-sysmon-* | SORT event.code, @timestamp DESC NULLS LAST").Rows.Should().HaveCount(1000, "ES|QL's default LIMIT");
        Run("FROM logs-sysmon-* | WHERE winlog.event_data.RuleName IS NOT NULL OR process.pe.company IS NOT NULL | STATS n = COUNT(*)")
            .Rows.Single()[0].Should().BeOfType<long>().Which.Should().BePositive();
    }

    [Fact]
    public void Only_a_result_showing_many_document_fields_reads_the_whole_rows_view()
    {
        // Reading one or two fields, events_ecs parses only for them: the whole-rows view took twice as long for
        // STATS ... BY process.pe.company over 1M events (2.3 s against 1.1 s).
        var engine = new DuckDbHuntEngine(_store);
        var none = new Dictionary<string, object?>();
        engine.Translate("FROM logs-sysmon-*", none).Should().Contain("FROM events_ecs_rows");
        engine.Translate("FROM logs-sysmon-* | SORT @timestamp DESC | LIMIT 10", none).Should().Contain("FROM events_ecs_rows");
        engine.Translate("FROM logs-sysmon-* | STATS n = COUNT(*) BY process.pe.company", none).Should().NotContain("events_ecs_rows");
        engine.Translate("FROM logs-sysmon-* | KEEP @timestamp, host.name, process.pe.*, file.pe.company", none).Should().NotContain("events_ecs_rows");
        engine.Translate("FROM logs-sysmon-* | KEEP @timestamp, process.*, file.*", none).Should().Contain("FROM events_ecs_rows");
    }

    [Theory]
    // SORT numbered every row of its input before the LIMIT cut it, holding all of them (all 126 columns) in memory:
    // at 200,000 generated events the store's 256 MB was not enough. Here, 9,000 events under 96 MB.
    [InlineData("FROM logs-sysmon-* | SORT @timestamp DESC | LIMIT 10", 10)]
    [InlineData("FROM logs-sysmon-* | WHERE event.code != \"1\" | SORT @timestamp | LIMIT 5 | SORT process.pid DESC", 5)]
    [InlineData("FROM logs-sysmon-* | SORT @timestamp DESC | EVAL h = TO_LOWER(host.name) | RENAME h AS lower_host | LIMIT 7", 7)]
    [InlineData("FROM logs-sysmon-* | SORT @timestamp DESC | WHERE event.code == \"1\" | WHERE host.name IS NOT NULL | LIMIT 4", 4)]
    [InlineData("FROM logs-sysmon-* | SORT @timestamp DESC | EVAL h = TO_LOWER(host.name) | STATS n = COUNT(*) BY event.code", 30)]
    // MV_EXPAND gives each row one or more times and ENRICH once, so the LIMIT cuts the sorted rows too.
    [InlineData("FROM logs-sysmon-* | SORT @timestamp DESC | MV_EXPAND process.args | LIMIT 6", 6)]
    [InlineData("FROM logs-sysmon-* | SORT @timestamp DESC | ENRICH sysmon-ioc-hash ON process.hash.sha256 | LIMIT 6", 6)]
    public void Sort_then_limit_holds_only_the_rows_kept(string esql, int rows) // or STATS, which drops the order
    {
        using (var cmd = _store.Connection.CreateCommand())
        {
            cmd.CommandText = "SET memory_limit = '96MB'";
            cmd.ExecuteNonQuery();
        }
        Run(esql).Rows.Should().HaveCount(rows);
    }

    [Fact]
    public void The_whole_rows_view_shows_every_field_as_events_ecs_does()
    {
        // events_ecs_rows reads doc's fields as elements of two lists; each must be the field events_ecs reads by its own
        // path, for every event: text, numbers, booleans, times, lists and JSON objects. Eight fields a query, so that
        // events_ecs stays within its memory.
        Schema.EventColumns.DocFields.Should().HaveCount(79);
        var withValues = 0;
        foreach (var chunk in Schema.EventColumns.DocFields.Chunk(8))
        {
            using var cmd = _store.Connection.CreateCommand();
            var differs = string.Join(" OR ", chunk.Select(f => $"a.\"{f}\" IS DISTINCT FROM b.\"{f}\""));
            var present = string.Join(", ", chunk.Select(f => $"count(b.\"{f}\")"));
            cmd.CommandText = $"SELECT count(*) FILTER (WHERE {differs}), {present} FROM events_ecs a JOIN events_ecs_rows b ON a.id = b.id";
            using var reader = cmd.ExecuteReader();
            reader.Read().Should().BeTrue();
            reader.GetInt64(0).Should().Be(0, "no field of {0} differs", string.Join(", ", chunk));
            withValues += Enumerable.Range(1, chunk.Length).Count(i => reader.GetInt64(i) > 0);
        }
        withValues.Should().BeGreaterThan(50, "the samples hold most fields, so the comparison is not of NULLs");
        using var described = _store.Connection.CreateCommand();
        described.CommandText = """
            SELECT count(*) FROM (SELECT column_name, column_type FROM (DESCRIBE events_ecs)
                                  EXCEPT SELECT column_name, column_type FROM (DESCRIBE events_ecs_rows))
            """;
        described.ExecuteScalar().Should().Be(0L, "the same columns of the same types");
    }
}
