using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;
using static Sysmon.Stores.DuckDb.Tests.StoreSettings;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>An operator's DuckDB settings: read and checked from name=value pairs, then in force on the store's
/// connection (queries) and during its loads.</summary>
public sealed class DuckDbStoreOptionsTests : IDisposable
{
    private readonly TempDirectory _temp = new("sysmon-storeoptions-tests");

    private string Dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    // The 30 sample events (one per event id), mapped as ingest maps them.
    private static async Task<List<EcsDocument>> MappedSamplesAsync()
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Concat(SampleEvents.All.Select(s => EventForms.Beats(s) + "\n"))));
        var mapper = Sysmon.Ingest.Tests.Fixtures.Convert.Mapper();
        var docs = new List<EcsDocument>();
        await foreach (var r in new JsonEventReader().ReadAsync(stream, "samples.ndjson", new ReaderOptions())) docs.Add(mapper.Map(r.Event!));
        return docs;
    }

    private static DuckDbStoreOptions Parse(params (string Name, string Value)[] pairs) =>
        DuckDbStoreOptions.Parse(pairs.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)));

    [Fact]
    public void Every_option_is_read_and_written_back_the_same_way()
    {
        var options = Parse(("memory_limit", "1GB"), ("LOAD_MEMORY_LIMIT", "300 MiB"), ("threads", "4"), ("load_threads", "2"),
            ("checkpoint_threshold", "64MB"), ("lock_wait", "5m"));
        options.Should().Be(new DuckDbStoreOptions
        {
            MemoryLimit = "1GB", LoadMemoryLimit = "300 MiB", Threads = 4, LoadThreads = 2, CheckpointThreshold = "64MB", LockWait = TimeSpan.FromMinutes(5),
        });
        options.ToString().Should().Be("memory_limit=1GB&load_memory_limit=300 MiB&threads=4&load_threads=2&checkpoint_threshold=64MB&lock_wait=5m");
        Parse().Should().Be(DuckDbStoreOptions.Default);
        DuckDbStoreOptions.Default.ToString().Should().BeEmpty();
    }

    [Theory]
    [InlineData("memory_limit", "lots", "expected a size such as 256MB")]
    [InlineData("memory_limit", "256MB'; DROP TABLE events; --", "expected a size such as 256MB")]
    [InlineData("threads", "0", "at least 1")]
    [InlineData("load_threads", "-1", "at least 1")]
    [InlineData("row_groups", "4", "unknown DuckDB store option 'row_groups'; known: memory_limit, load_memory_limit, threads, load_threads, checkpoint_threshold, lock_wait")]
    [InlineData("lock_wait", "5 minutes", "expected a time such as 30s, 5m or 1h (0: do not wait)")]
    [InlineData("lock_wait", "-1", "expected a time such as 30s, 5m or 1h")]
    [InlineData("lock_wait", "00:05:00", "expected a time such as 30s, 5m or 1h")]
    public void A_value_DuckDB_would_not_take_is_refused_with_what_is_expected(string name, string value, string message)
    {
        var parse = () => Parse((name, value));
        parse.Should().Throw<ArgumentException>().Which.Message.Should().Contain(message);
    }

    [Theory]
    [InlineData("90", 90, "90s")]
    [InlineData("90s", 90, "90s")]
    [InlineData("2M", 120, "2m")]
    [InlineData("1h", 3600, "1h")]
    [InlineData("0", 0, "0s")]
    public void The_wait_for_a_held_file_is_read_in_seconds_minutes_or_hours(string value, int seconds, string written)
    {
        var options = Parse(("lock_wait", value));
        options.LockWait.Should().Be(TimeSpan.FromSeconds(seconds));
        options.ToString().Should().Be("lock_wait=" + written);
    }

    [Fact]
    public void A_load_limit_above_the_stores_own_is_refused()
    {
        // A load that does not fit its limit runs again under the store's: that one must be the larger.
        var parse = () => Parse(("memory_limit", "256MB"), ("load_memory_limit", "1GB"));
        parse.Should().Throw<ArgumentException>().WithMessage("*load_memory_limit=1GB is above memory_limit=256MB*");
        Parse(("memory_limit", "1GiB"), ("load_memory_limit", "1000MB")).LoadMemoryLimit.Should().Be("1000MB", "1000 MB < 1 GiB");
    }

    [Fact]
    public async Task The_options_are_in_force_for_queries_and_loads()
    {
        var options = Parse(("memory_limit", "300MB"), ("load_memory_limit", "200MB"), ("threads", "3"), ("load_threads", "1"),
            ("checkpoint_threshold", "1MB"));
        using var store = DuckDbStore.Open(Path.Combine(Dir, "s.duckdb"), options);
        (MemoryLimit(store), Threads(store)).Should().Be(("286.1 MiB", 3L)); // DuckDB shows 300MB (3 * 10^8 bytes) in MiB
        Current(store, "checkpoint_threshold").Should().Be("976.5 KiB", "1MB, where the store's own default is 128MB");
        var during = new List<(string, long)>();
        await using (var sink = new DuckDbEventSink(store, SinkMode.Bulk) { BeforeLoad = _ => during.Add((MemoryLimit(store), Threads(store))) })
        {
            var docs = await MappedSamplesAsync();
            await sink.WriteAsync(docs, TestContext.Current.CancellationToken);
            (await sink.FlushAsync(TestContext.Current.CancellationToken)).Stored.Should().Be(docs.Count);
        }
        during.Should().Equal(("190.7 MiB", 1L));
        (MemoryLimit(store), Threads(store)).Should().Be(("286.1 MiB", 3L), "queries get the store's settings back");
    }

    [Fact]
    public void Without_a_load_limit_loads_get_128MB_per_thread_but_never_more_than_the_stores_own()
    {
        using (var wide = DuckDbStore.Open(Path.Combine(Dir, "a.duckdb"), Parse(("memory_limit", "1GB"), ("load_threads", "3"))))
        {
            wide.LoadMemoryLimit.Should().Be("384MB");
        }
        using var narrow = DuckDbStore.Open(Path.Combine(Dir, "b.duckdb"), Parse(("memory_limit", "100MB"), ("load_threads", "1")));
        narrow.LoadMemoryLimit.Should().Be("100MB", "128MB would be above the store's own limit");
    }
}
