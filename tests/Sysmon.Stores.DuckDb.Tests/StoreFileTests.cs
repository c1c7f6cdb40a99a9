using DuckDB.NET.Data;
using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;
using static Sysmon.Stores.DuckDb.Tests.StoreSettings;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>How the store's file is written: small row groups, a plain DuckDB file any client opens, and DuckDB's
/// allocator giving freed memory back after a load.</summary>
public sealed class StoreFileTests : IDisposable
{
    private readonly TempDirectory _temp = new("sysmon-storefile-tests");

    private string Dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    private string StorePath => Path.Combine(Dir, "fleet.duckdb");

    // The sample events mapped once, then copied under new ids: many distinct rows of realistic width.
    private static async Task<List<EcsDocument>> ManyDocumentsAsync(int count)
    {
        var text = string.Concat(SampleEvents.All.Select(s => EventForms.Beats(s) + "\n"));
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
        var mapper = Sysmon.Ingest.Tests.Fixtures.Convert.Mapper();
        var samples = new List<EcsDocument>();
        await foreach (var r in new JsonEventReader().ReadAsync(stream, "samples.ndjson", new ReaderOptions())) samples.Add(mapper.Map(r.Event!));
        var docs = new List<EcsDocument>(count);
        for (var i = 0; i < count; i++)
        {
            var copy = new EcsDocument();
            foreach (var (path, value) in samples[i % samples.Count].Fields) copy.Set(path, value);
            copy.Id = $"copy-{i:D7}";
            copy.Set("event.id", copy.Id);
            docs.Add(copy);
        }
        return docs;
    }

    private async Task<int> BulkLoadAsync(int count)
    {
        using var store = DuckDbStore.Open(StorePath);
        await using var sink = new DuckDbEventSink(store, SinkMode.Bulk);
        var written = await sink.WriteAsync(await ManyDocumentsAsync(count), TestContext.Current.CancellationToken);
        var flushed = await sink.FlushAsync(TestContext.Current.CancellationToken);
        return written.Stored + flushed.Stored;
    }

    [Fact]
    public async Task Loads_are_stored_in_row_groups_of_16384_rows()
    {
        (await BulkLoadAsync(40_000)).Should().Be(40_000);
        using var store = DuckDbStore.Open(StorePath);
        using var cmd = store.Connection.CreateCommand();
        // Rows per row group, counted on the id column's data segments (list columns hold more values than rows).
        cmd.CommandText = "SELECT count(*), max(rows) FROM (SELECT row_group_id, sum(count)::BIGINT AS rows FROM pragma_storage_info('events') " +
                          "WHERE column_name = 'id' AND segment_type = 'VARCHAR' GROUP BY row_group_id)";
        using var reader = cmd.ExecuteReader();
        reader.Read();
        // DuckDB's default would hold all 40,000 in one; each loading thread may leave one part-filled group.
        reader.GetInt64(0).Should().BeInRange(3, 4);
        reader.GetInt64(1).Should().Be(DuckDbStore.RowGroupSize);
    }

    [Fact]
    public async Task The_stored_id_scan_runs_under_a_small_memory_limit_and_again_under_the_stores_when_that_is_too_small()
    {
        (await BulkLoadAsync(20_000)).Should().Be(20_000);
        var again = await ManyDocumentsAsync(20_000);
        using var store = DuckDbStore.Open(StorePath);
        foreach (var (limit, retried) in new[] { ("32MB", false), ("1MB", true) })
        {
            await using var sink = new DuckDbEventSink(store, SinkMode.Bulk) { IdScanMemoryLimit = limit };
            await sink.WriteAsync(again, TestContext.Current.CancellationToken);
            var flushed = await sink.FlushAsync(TestContext.Current.CancellationToken);
            flushed.Should().Be(new Sysmon.Ingest.Pipeline.SinkResult(0, 20_000, null), $"every id is stored already (scan limit {limit})");
            (sink.IdScansRetried > 0).Should().Be(retried);
            var warnings = sink.TakeWarnings();
            if (retried) warnings.Should().ContainSingle().Which.Should().StartWith("1 scan of the stored ids did not fit in 1MB");
            else warnings.Should().BeEmpty();
        }
        store.Count().Should().Be(20_000);
        MemoryLimit(store).Should().Be("244.1 MiB", "the store's own limit (256MB) is back after each scan");
    }

    [Fact]
    public async Task Loads_run_under_the_load_memory_limit_and_queries_get_the_stores_limit_back()
    {
        var docs = await ManyDocumentsAsync(20_000);
        using var store = DuckDbStore.Open(StorePath, loadMemoryLimit: "100MB");
        var during = new List<string>();
        await using var sink = new DuckDbEventSink(store, SinkMode.Bulk) { BeforeLoad = _ => during.Add(MemoryLimit(store)) };
        await sink.WriteAsync(docs, TestContext.Current.CancellationToken);
        (await sink.FlushAsync(TestContext.Current.CancellationToken)).Stored.Should().Be(20_000);
        during.Should().Equal("95.3 MiB"); // DuckDB shows 100MB (10^8 bytes) in MiB
        sink.LoadsRetried.Should().Be(0);
        sink.TakeWarnings().Should().BeEmpty("every load fitted");
        MemoryLimit(store).Should().Be("244.1 MiB", "hunts and the feed job run under the store's own limit (256MB)");
    }

    [Fact]
    public async Task A_store_with_bound_queries_queries_under_the_load_limit_and_returns_to_it_after_a_load_that_needed_more()
    {
        // The worker's store: its scheduled hunts must not add the store's 256MB to what the loads hold.
        var docs = await ManyDocumentsAsync(40_000);
        using var store = DuckDbStore.Open(StorePath, loadMemoryLimit: "16MB", boundQueries: true);
        store.QueryMemoryLimit.Should().Be("16MB");
        MemoryLimit(store).Should().Be("15.2 MiB", "queries run under the load limit from the start"); // 16MB = 16 * 10^6 bytes
        await using (var sink = new DuckDbEventSink(store, SinkMode.Bulk))
        {
            await sink.WriteAsync(docs, TestContext.Current.CancellationToken);
            (await sink.FlushAsync(TestContext.Current.CancellationToken)).Stored.Should().Be(40_000);
            sink.LoadsRetried.Should().Be(1, "40,000 events do not fit in 16MB: the store's own 256MB is the fallback still");
        }
        MemoryLimit(store).Should().Be("15.2 MiB", "after the load that needed more, queries are bound again");
        store.Count().Should().Be(40_000);
    }

    [Fact]
    public void A_store_without_bound_queries_queries_under_its_own_limit()
    {
        using var store = DuckDbStore.Open(StorePath, loadMemoryLimit: "100MB");
        (store.QueryMemoryLimit, MemoryLimit(store)).Should().Be(("256MB", "244.1 MiB"));
    }

    [Fact]
    public async Task A_load_too_big_for_the_load_memory_limit_is_stored_whole_under_the_stores_own()
    {
        var docs = await ManyDocumentsAsync(40_000);
        using var store = DuckDbStore.Open(StorePath, loadMemoryLimit: "16MB");
        await using (var sink = new DuckDbEventSink(store, SinkMode.Bulk))
        {
            await sink.WriteAsync(docs, TestContext.Current.CancellationToken);
            (await sink.FlushAsync(TestContext.Current.CancellationToken)).Should().Be(new SinkResult(40_000, 0, null));
            sink.LoadsRetried.Should().Be(1, "40,000 events do not fit in 16MB of DuckDB memory");
            // The operator hears of it once: the run's memory went above the load limit.
            sink.TakeWarnings().Should().ContainSingle().Which.Should()
                .StartWith("1 DuckDB load did not fit in the load memory limit (16MB) and ran again under the store's own (256MB)");
            sink.TakeWarnings().Should().BeEmpty("told already");
        }
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = "SELECT count(*) = 40000 AND count(DISTINCT id) = 40000 FROM events";
        cmd.ExecuteScalar().Should().Be(true, "the attempt that ran out of memory left nothing behind");
        MemoryLimit(store).Should().Be("244.1 MiB");
    }

    [Fact]
    public async Task A_load_that_needed_more_than_its_memory_limit_is_named_in_the_run_summary()
    {
        // The 30 samples as Winlogbeat lines, through the whole pipeline, into a store whose load limit nothing fits.
        var input = Path.Combine(Dir, "samples.ndjson");
        await File.WriteAllTextAsync(input, string.Concat(SampleEvents.All.Select(s => EventForms.Beats(s) + "\n")));
        using var store = DuckDbStore.Open(StorePath, loadMemoryLimit: "1MB");
        using var dead = new Sysmon.Ingest.DeadLetter.DeadLetterWriter(Path.Combine(Dir, "dead.ndjson"));
        RunSummary summary;
        await using (var sink = new DuckDbEventSink(store, SinkMode.Bulk))
        {
            var pipeline = new EventPipeline(new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions()),
                Sysmon.Ingest.Tests.Fixtures.Convert.Mapper(), sink, dead);
            summary = await pipeline.RunAsync([new InputFile(input, new FileInfo(input).Length)], TestContext.Current.CancellationToken);
        }
        store.Count().Should().Be(SampleEvents.All.Count, "the load was stored whole under the store's own limit");
        summary.ExitCode.Should().Be(0, "nothing was lost: a warning, not a partial run");
        summary.Format("ingested").Should().Contain(
            "warning: 1 DuckDB load did not fit in the load memory limit (1MB) and ran again under the store's own (256MB)");
    }

    [Fact]
    public void The_load_memory_limit_grows_with_the_loading_threads()
    {
        using (var one = DuckDbStore.Open(StorePath, loadThreads: 1)) one.LoadMemoryLimit.Should().Be("128MB");
        using (var two = DuckDbStore.Open(StorePath, loadThreads: 2)) two.LoadMemoryLimit.Should().Be("256MB");
        using var unlimited = DuckDbStore.Open(StorePath, memoryLimit: null);
        unlimited.LoadMemoryLimit.Should().BeNull("a store without a limit loads without one");
    }

    [Fact]
    public async Task The_file_opens_directly_in_any_DuckDB_client_with_its_views()
    {
        (await BulkLoadAsync(500)).Should().Be(500);
        // A client that opens the file itself names its catalog after the file, not "store" as sysmon-elastic does.
        using var plain = new DuckDBConnection($"Data Source={StorePath}");
        plain.Open();
        using var cmd = plain.CreateCommand();
        cmd.CommandText = "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM events_ecs WHERE \"event.code\" IS NOT NULL), " +
                          "(SELECT count(*) FROM events_documents), current_database()";
        using var reader = cmd.ExecuteReader();
        reader.Read();
        reader.GetInt64(0).Should().Be(500);
        reader.GetInt64(1).Should().Be(500);
        reader.GetInt64(2).Should().Be(500);
        reader.GetString(3).Should().Be("fleet");
    }

    [Fact]
    public async Task After_a_load_DuckDBs_allocator_keeps_little_freed_memory()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("DuckDB links jemalloc only on Linux");
        var docs = await ManyDocumentsAsync(60_000);
        using var store = DuckDbStore.Open(StorePath);
        await using var sink = new DuckDbEventSink(store, SinkMode.Bulk);
        (await sink.WriteAsync(docs, TestContext.Current.CancellationToken)).Stored.Should().Be(0, "nothing is loaded before the flush");
        (await sink.FlushAsync(TestContext.Current.CancellationToken)).Stored.Should().Be(60_000);
        DuckDbAllocator.Applied.Should().BeTrue();
        // Measured while the store is still open (closing it frees and purges anyway): with jemalloc's own decay
        // time jemalloc held ~340 MB of freed pages at this point (16 MB with a zero decay, 5 MB with 10 ms).
        var (allocated, resident) = DuckDbAllocator.Statistics();
        (resident - allocated).Should().BeLessThan(64L << 20, $"resident {resident >> 20} MB, in use {allocated >> 20} MB");
    }

    [Fact]
    public async Task Before_it_closes_the_store_writes_what_the_WAL_holds_under_the_load_settings()
    {
        // A small load is left to the WAL (a full one is checkpointed by the sink). DuckDB's own checkpoint at close
        // ran on every thread, and a checkpoint of the events table takes memory outside DuckDB's limit that
        // doubles with the threads.
        var docs = await ManyDocumentsAsync(300);
        var store = DuckDbStore.Open(StorePath, threads: 2, loadThreads: 1);
        await using (var sink = new DuckDbEventSink(store)) await sink.WriteAsync(docs, TestContext.Current.CancellationToken);
        var wal = StorePath + ".wal";
        new FileInfo(wal).Length.Should().BeGreaterThan(0, "the small load is in the WAL");
        store.CheckpointUnderLoadSettings();
        (File.Exists(wal) ? new FileInfo(wal).Length : 0).Should().Be(0, "the WAL is written into the file");
        Threads(store).Should().Be(1);
        MemoryLimit(store).Should().Be("122.0 MiB", "the load limit (128MB), not the store's 244.1 MiB");
        store.Dispose();
        store.Dispose(); // twice is harmless
        using var reopened = DuckDbStore.Open(StorePath);
        reopened.Count().Should().Be(300);
    }
}
