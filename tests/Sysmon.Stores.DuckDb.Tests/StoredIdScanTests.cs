using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Pipeline;
using Sysmon.Stores.DuckDb.Loading;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>
/// Each load looks for its ids among the stored rows near its own times only (DuckDB skips the other row groups), so
/// the duplicate check does not grow with the store. What that must not cost: a copy of a record already stored is
/// still found, whichever export it came from.
/// </summary>
public sealed class StoredIdScanTests : IDisposable
{
    private readonly TempDirectory _temp = new("sysmon-idscan-tests");

    private string Dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    private string StorePath => Path.Combine(Dir, "s.duckdb");

    // The 30 sample events, mapped afresh each time: equal ids, separate documents.
    private Task<List<EcsDocument>> SamplesAsync() => Sysmon.Ingest.Tests.Fixtures.Convert.MappedSamplesAsync(Path.Combine(Dir, "samples.ndjson"));

    private static void ShiftTime(EcsDocument doc, TimeSpan by)
    {
        var t = DateTime.Parse(doc.GetString("@timestamp")!, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal);
        doc.Set("@timestamp", t.Add(by).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task<SinkResult> StoreAsync(IReadOnlyList<EcsDocument> docs)
    {
        using var store = DuckDbStore.Open(StorePath);
        await using var sink = new DuckDbEventSink(store);
        return await sink.WriteAsync(docs, TestContext.Current.CancellationToken);
    }

    private long Count()
    {
        using var store = DuckDbStore.Open(StorePath);
        return store.Count();
    }

    [Fact]
    public async Task A_copy_whose_time_is_hours_from_the_stored_ones_is_still_found()
    {
        (await StoreAsync(await SamplesAsync())).Stored.Should().Be(30);
        // Another export of the same records whose times came out differently (TimeCreated instead of UtcTime).
        var copies = await SamplesAsync();
        foreach (var doc in copies) ShiftTime(doc, TimeSpan.FromHours(20));
        var again = await StoreAsync(copies);
        again.Stored.Should().Be(0);
        again.Duplicates.Should().Be(30);
        Count().Should().Be(30);
    }

    [Fact]
    public async Task Copies_whose_time_is_the_collectors_are_looked_for_in_the_whole_store()
    {
        (await StoreAsync(await SamplesAsync())).Stored.Should().Be(30);
        var copies = await SamplesAsync();
        foreach (var doc in copies)
        {
            ShiftTime(doc, TimeSpan.FromDays(90)); // shipped and stamped three months later
            doc.Append("tags", EcsMapper.CollectorTimeTag);
        }
        var again = await StoreAsync(copies);
        again.Duplicates.Should().Be(30);
        Count().Should().Be(30);
    }

    [Fact]
    public async Task Rows_further_than_the_margin_from_the_loads_times_are_not_read()
    {
        // The bound is real: a row of the same id a month away is outside what the load reads. (Exports of one record
        // carry the same UtcTime, so this does not happen to copies of a record; it shows the scan is bounded.)
        (await StoreAsync(await SamplesAsync())).Stored.Should().Be(30);
        var far = await SamplesAsync();
        foreach (var doc in far) ShiftTime(doc, TimeSpan.FromDays(30));
        (await StoreAsync(far)).Duplicates.Should().Be(0);
        Count().Should().Be(60);
    }

    [Fact]
    public async Task A_load_file_knows_its_time_range_unless_a_time_is_the_collectors()
    {
        var docs = await SamplesAsync();
        var times = docs.Select(d => DateTime.Parse(d.GetString("@timestamp")!, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal)).ToList();
        using (var file = new EventLoadFile(Path.Combine(Dir, "a.load.ndjson")))
        {
            file.TimeRange.Should().BeNull("an empty file has no times");
            foreach (var doc in docs) file.Add(doc);
            file.TimeRange.Should().Be((times.Min(), times.Max()));
        }
        using (var file = new EventLoadFile(Path.Combine(Dir, "b.load.ndjson")))
        {
            var copies = await SamplesAsync();
            copies[7].Append("tags", EcsMapper.CollectorTimeTag);
            foreach (var doc in copies) file.Add(doc);
            file.TimeRange.Should().BeNull();
        }
    }

    [Fact]
    public void The_scan_is_bounded_by_the_loads_times_and_the_margin()
    {
        var sql = EventLoadStatement.CreateStoredIds((new DateTime(2026, 1, 5, 10, 0, 0, DateTimeKind.Utc), new DateTime(2026, 1, 5, 12, 30, 0, DateTimeKind.Utc)));
        sql.Should().EndWith("WHERE e.\"@timestamp\" BETWEEN TIMESTAMP '2026-01-04 10:00:00.000000' AND TIMESTAMP '2026-01-06 12:30:00.000000'");
        EventLoadStatement.CreateStoredIds(null).Should().NotContain("WHERE");
        EventLoadStatement.CreateStoredIds((DateTime.MinValue, DateTime.MaxValue)).Should()
            .Contain("TIMESTAMP '0001-01-01 00:00:00.000000'", "the margin does not run off DateTime's range");
    }
}
