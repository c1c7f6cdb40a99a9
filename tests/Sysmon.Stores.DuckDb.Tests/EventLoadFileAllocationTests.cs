using System.Globalization;
using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Tests.Fixtures;
using Sysmon.Stores.DuckDb.Loading;
using Xunit;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>
/// A load line is written from the document's fields without allocating per field: every field's column, rank and
/// JSON segments come from memos keyed by the path object. A closure built on entering the column lookup (24 bytes for
/// each field) and paths whose memo slot another path held first (a dictionary lookup and a delegate for each) made
/// writing ~1.2 KB of garbage per event, more than the line itself.
/// </summary>
public sealed class EventLoadFileAllocationTests : IDisposable
{
    private readonly TempDirectory _temp = new("sysmon-load-file-tests");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Writing_load_lines_allocates_next_to_nothing_per_document()
    {
        var samples = await Sysmon.Ingest.Tests.Fixtures.Convert.MappedSamplesAsync(Path.Combine(_temp.Path, "mapped.ndjson"));
        const int perFile = 4_000;
        var ids = Enumerable.Range(0, perFile).Select(i => "alloc-" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var buffers = new LoadFileBuffers();

        // The first file grows the buffers' collections and runs every path once; the second is measured.
        Write(samples, ids, buffers, Path.Combine(_temp.Path, "first.ndjson"));
        var allocated = Write(samples, ids, buffers, Path.Combine(_temp.Path, "second.ndjson"));

        (allocated / (double)perFile).Should().BeLessThan(64,
            "a document's ~40 fields cost no allocation each (the lines themselves go to a reused buffer)");
    }

    // Adds perFile documents (the samples in turn, each under a new id) and returns the bytes this thread allocated
    // while adding them.
    private static long Write(List<EcsDocument> samples, string[] ids, LoadFileBuffers buffers, string path)
    {
        using var file = new EventLoadFile(path, buffers);
        var added = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < ids.Length; i++)
        {
            var doc = samples[i % samples.Count];
            doc.Id = ids[i];
            if (file.Add(doc) == LineResult.Added) added++;
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        file.Complete();
        added.Should().Be(ids.Length);
        File.ReadLines(path).Count().Should().Be(ids.Length);
        return allocated;
    }
}
