using FluentAssertions;
using Sysmon.Ingest.DeadLetter;
using Sysmon.Ingest.Output;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;

namespace Sysmon.Ingest.Tests.Pipeline;

public sealed class ReadProgressTests : IDisposable
{
    private readonly TempDirectory _temp = new("sysmon-read-progress-tests");

    private string Dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Bytes_read_move_while_one_large_file_is_read_and_end_at_its_size()
    {
        var input = Path.Combine(Dir, "one-large.ndjson");
        // ~6 MB of Winlogbeat lines in one file: far beyond the readers' buffers, so progress must come from within it.
        var lines = SampleEvents.All.Select(EventForms.Beats).ToArray();
        await using (var w = new StreamWriter(input))
        {
            for (var i = 0; i < 4000; i++) await w.WriteLineAsync(lines[i % lines.Length]);
        }
        var length = new FileInfo(input).Length;
        length.Should().BeGreaterThan(4_000_000);
        var (summary, seen) = await RunAsync(new InputFile(input, length));
        summary.Events.Should().Be(4000);
        summary.BytesTotal.Should().Be(length);
        summary.BytesRead.Should().Be(length, "every byte of the file was read, once");
        seen.Should().Contain(p => p.FilesDone == 0 && p.Read > 0 && p.Read < length / 2,
            "progress reports bytes read before the file is done");
        seen.Select(p => p.Read).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task A_file_that_cannot_be_opened_adds_no_bytes()
    {
        var missing = Path.Combine(Dir, "gone.ndjson");
        var (summary, _) = await RunAsync(new InputFile(missing, 1234));
        summary.UnreadableFiles.Should().ContainSingle();
        summary.BytesRead.Should().Be(0);
        summary.BytesTotal.Should().Be(1234, "the size listed when the run started");
    }

    [Fact]
    public async Task Progress_moves_through_a_zip_holding_one_large_log_and_ends_at_its_size()
    {
        // Counting an entry whole when it began showed 100% from the first second of a one-log KAPE zip.
        var path = Path.Combine(Dir, "one-log.zip");
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
        await using (var w = new StreamWriter(await zip.CreateEntry("Logs/sysmon.ndjson").OpenAsync(TestContext.Current.CancellationToken)))
        {
            var lines = SampleEvents.All.Select(EventForms.Beats).ToArray();
            for (var i = 0; i < 4000; i++) await w.WriteLineAsync(lines[i % lines.Length]);
        }
        var length = new FileInfo(path).Length;

        var (summary, seen) = await RunAsync(new InputFile(path, length));

        summary.Events.Should().Be(4000);
        summary.BytesRead.Should().Be(length);
        seen.Should().Contain(p => p.FilesDone == 0 && p.Read > length / 4 && p.Read < length * 3 / 4, "progress moves within the entry");
        seen.Select(p => p.Read).Should().BeInAscendingOrder();
    }

    // The pipeline over one input in small batches, with every progress report it made (bytes read, files done).
    private async Task<(RunSummary Summary, List<(long Read, int FilesDone)> Seen)> RunAsync(InputFile input)
    {
        var seen = new List<(long Read, int FilesDone)>();
        using var dead = new DeadLetterWriter(Path.Combine(Dir, Guid.NewGuid().ToString("N") + ".dead.ndjson"));
        await using var sink = new NdjsonSink(Stream.Null, ownsStream: false);
        var pipeline = new EventPipeline(new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions()),
            Fixtures.Convert.Mapper("H"), sink, dead)
        {
            BatchSize = 100,
            BatchesInFlight = 1,
            OnProgress = s => seen.Add((s.BytesRead, s.FilesDone)),
        };
        var summary = await pipeline.RunAsync([input], TestContext.Current.CancellationToken);
        return (summary, seen);
    }
}
