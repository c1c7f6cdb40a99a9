using FluentAssertions;
using Sysmon.Ingest.DeadLetter;
using Sysmon.Ingest.Output;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;

namespace Sysmon.Ingest.Tests.Pipeline;

public sealed class EventPipelineTests : IDisposable
{
    private readonly TempDirectory _temp = new("sysmon-pipeline-tests");

    private string Dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    private async Task<(string Output, RunSummary Summary)> RunAsync(int parallelism, int batchSize)
    {
        var dir = Dir;
        Directory.CreateDirectory(dir);
        var input = Path.Combine(dir, "in.txt");
        // 300 events (the 30 samples ten times) and one unmappable event in the middle.
        var text = string.Join("\r\n\r\n", Enumerable.Range(0, 10).SelectMany(_ => SampleEvents.All.Select(s => EventForms.Text(s))));
        text = text.Insert(text.Length / 2, "Process terminated:\r\nUtcTime: never\r\nProcessId: 1\r\n\r\n");
        await File.WriteAllTextAsync(input, text);
        using var output = new MemoryStream();
        using var dead = new DeadLetterWriter(Path.Combine(dir, $"dead-{parallelism}.ndjson"));
        RunSummary summary;
        await using (var sink = new NdjsonSink(output, ownsStream: false))
        {
            var pipeline = new EventPipeline(new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions()),
                Fixtures.Convert.Mapper("H"), sink, dead) { BatchSize = batchSize, MappingParallelism = parallelism, BatchesInFlight = 1 };
            summary = await pipeline.RunAsync([new InputFile(input, new FileInfo(input).Length)], TestContext.Current.CancellationToken);
        }
        return (System.Text.Encoding.UTF8.GetString(output.ToArray()), summary);
    }

    [Fact]
    public async Task Parallel_mapping_gives_the_same_documents_in_the_same_order()
    {
        var (serial, serialSummary) = await RunAsync(parallelism: 1, batchSize: 1000);
        var (parallel, parallelSummary) = await RunAsync(parallelism: 4, batchSize: 128);
        parallel.Should().Be(serial);
        serialSummary.Events.Should().Be(300);
        parallelSummary.Events.Should().Be(300);
        parallelSummary.Rejected.Should().Be(1);
        serialSummary.ByEventCode.Should().BeEquivalentTo(parallelSummary.ByEventCode);
    }

    private sealed class FailingSink : IEventSink
    {
        public int Writes { get; private set; }

        public ValueTask<SinkResult> WriteAsync(IReadOnlyList<Sysmon.Ingest.Ecs.EcsDocument> batch, CancellationToken cancellationToken)
        {
            Writes++;
            throw new IOException("disk full");
        }

        public ValueTask<SinkResult> FlushAsync(CancellationToken cancellationToken) => ValueTask.FromResult(default(SinkResult));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    // The sample events forty times over as rendered text (1,200 events), in a file of the test directory.
    private async Task<string> ManySamplesFileAsync(string name)
    {
        var input = Path.Combine(Dir, name);
        await File.WriteAllTextAsync(input, string.Join("\r\n\r\n", Enumerable.Range(0, 40).SelectMany(_ => SampleEvents.All.Select(s => EventForms.Text(s)))));
        return input;
    }

    [Fact]
    public async Task A_sink_that_fails_ends_the_run_with_its_error_instead_of_leaving_the_reader_waiting()
    {
        // Far more batches than the channel holds: before the fix the reader waited forever on the full channel.
        var input = await ManySamplesFileAsync("many.txt");
        using var dead = new DeadLetterWriter(Path.Combine(Dir, "dead-failing.ndjson"));
        var sink = new FailingSink();
        var pipeline = new EventPipeline(new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions()),
            Fixtures.Convert.Mapper("H"), sink, dead) { BatchSize = 10, BatchesInFlight = 1 };
        var run = pipeline.RunAsync([new InputFile(input, new FileInfo(input).Length)], TestContext.Current.CancellationToken);
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        finished.Should().BeSameAs(run, "the run must end when its sink fails");
        await run.Invoking(r => r).Should().ThrowAsync<IOException>().WithMessage("disk full");
        sink.Writes.Should().Be(1);
    }

    // A sink whose writes take a while and say whether one is under way.
    private sealed class SlowSink : IEventSink
    {
        private int _active;
        public TaskCompletionSource FirstWrite { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool WriteUnderWay => Volatile.Read(ref _active) > 0;
        public bool WroteAfterDispose { get; private set; }
        private bool _disposed;

        public async ValueTask<SinkResult> WriteAsync(IReadOnlyList<Sysmon.Ingest.Ecs.EcsDocument> batch, CancellationToken cancellationToken)
        {
            if (_disposed) WroteAfterDispose = true;
            Interlocked.Increment(ref _active);
            FirstWrite.TrySetResult();
            await Task.Delay(300, CancellationToken.None); // like a bulk load, which does not stop half-way
            Interlocked.Decrement(ref _active);
            return new SinkResult(batch.Count, 0, null);
        }

        public ValueTask<SinkResult> FlushAsync(CancellationToken cancellationToken) => ValueTask.FromResult(default(SinkResult));

        public ValueTask DisposeAsync()
        {
            _disposed = true;
            return ValueTask.CompletedTask;
        }
    }

    // A bulk sink: writes are quick, the last load (the flush) takes a while.
    private sealed class SlowFlushSink : IEventSink
    {
        public ValueTask<SinkResult> WriteAsync(IReadOnlyList<Sysmon.Ingest.Ecs.EcsDocument> batch, CancellationToken cancellationToken) =>
            ValueTask.FromResult(default(SinkResult));

        public async ValueTask<SinkResult> FlushAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(1200, CancellationToken.None);
            return default;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Progress_goes_on_while_the_last_load_is_stored_and_stops_when_the_run_returns()
    {
        // A 419 MB EVTX ingest went silent for its last 8 s after a line that said "eta 3 s".
        var input = await ManySamplesFileAsync("heartbeat.txt");
        using var dead = new DeadLetterWriter(Path.Combine(Dir, "dead-heartbeat.ndjson"));
        var reports = new System.Collections.Concurrent.ConcurrentQueue<bool>();
        var pipeline = new EventPipeline(new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions()),
            Fixtures.Convert.Mapper("H"), new SlowFlushSink(), dead) { OnProgress = s => reports.Enqueue(s.Storing), ProgressHeartbeat = TimeSpan.FromMilliseconds(100) };
        var summary = await pipeline.RunAsync([new InputFile(input, new FileInfo(input).Length)], TestContext.Current.CancellationToken);
        summary.Storing.Should().BeTrue();
        reports.Count(storing => storing).Should().BeGreaterThanOrEqualTo(5, "one report as the last load starts, then one every 100 ms of its 1.2 s");
        var atReturn = reports.Count;
        await Task.Delay(400, TestContext.Current.CancellationToken);
        reports.Count.Should().Be(atReturn, "the caller prints its summary next: no progress line may come after it");
    }

    [Fact]
    public async Task A_stopped_run_returns_only_after_the_sinks_write_under_way_has_ended()
    {
        var input = await ManySamplesFileAsync("stopped.txt");
        using var dead = new DeadLetterWriter(Path.Combine(Dir, "dead-stopped.ndjson"));
        var sink = new SlowSink();
        using var stop = new CancellationTokenSource();
        var pipeline = new EventPipeline(new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions()),
            Fixtures.Convert.Mapper("H"), sink, dead) { BatchSize = 10, BatchesInFlight = 1 };
        var run = pipeline.RunAsync([new InputFile(input, new FileInfo(input).Length)], stop.Token);
        await sink.FirstWrite.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await run.Invoking(r => r).Should().ThrowAsync<OperationCanceledException>();
        // The caller disposes the sink next: a write still running then raced the disposal (a bulk load started after
        // it, its load file left on disk).
        sink.WriteUnderWay.Should().BeFalse();
        await sink.DisposeAsync();
        await Task.Delay(400, TestContext.Current.CancellationToken);
        sink.WroteAfterDispose.Should().BeFalse();
    }
}
