using System.Threading.Channels;
using Sysmon.Ingest.DeadLetter;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Reading;

namespace Sysmon.Ingest.Pipeline;

/// <summary>
/// Reads inputs, maps every event to ECS and hands batches to a sink; bad records go to the dead-letter file
/// with their position and reason. Reading and mapping run on one task, writing on another, joined by a bounded
/// channel: a slow sink slows reading and memory stays flat. No exception crosses a record boundary.
/// </summary>
public sealed class EventPipeline(EventSource source, EcsMapper mapper, IEventSink sink, DeadLetterWriter deadLetters)
{
    public int BatchSize { get; init; } = 1000;

    /// <summary>Batches waiting for the sink at most (back-pressure).</summary>
    public int BatchesInFlight { get; init; } = 4;

    /// <summary>Called after each stored batch and each file with the running summary (progress display), and every
    /// <see cref="ProgressHeartbeat"/> besides: while the reader waits for the store, and during the last load.</summary>
    public Action<RunSummary>? OnProgress { get; init; }

    /// <summary>How often <see cref="OnProgress"/> is called when nothing else calls it. A 419 MB EVTX ingest went
    /// silent for its last 8 s (the last of the reading, then the last load) after a line that said "eta 3 s".</summary>
    public TimeSpan ProgressHeartbeat { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Called after each batch is stored, with the documents (for checkpoints of what is durable).</summary>
    public Action<IReadOnlyList<EcsDocument>>? OnStored { get; init; }

    public async Task<RunSummary> RunAsync(IReadOnlyList<InputFile> files, CancellationToken ct)
    {
        var summary = new RunSummary { FilesTotal = files.Count, BytesTotal = files.Sum(f => f.Length), DeadLetterPath = deadLetters.Path };
        var heartbeat = OnProgress is { } report ? new Timer(_ => report(summary), null, ProgressHeartbeat, ProgressHeartbeat) : null;
        await using (heartbeat)
        {
            return await RunAsync(files, summary, ct).ConfigureAwait(false);
        }
    }

    private async Task<RunSummary> RunAsync(IReadOnlyList<InputFile> files, RunSummary summary, CancellationToken ct)
    {
        var channel = Channel.CreateBounded<List<EcsDocument>>(new BoundedChannelOptions(BatchesInFlight)
        {
            SingleReader = true,
            SingleWriter = true,
        });
        // A sink that fails stops the reading too: otherwise the reader would wait forever on a full channel.
        using var sinkFailed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writer = Task.Run(async () =>
        {
            try
            {
                await WriteAsync(channel.Reader, summary, ct).ConfigureAwait(false);
            }
            catch
            {
                await sinkFailed.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }, ct);
        try
        {
            await ReadAsync(files, channel.Writer, summary, sinkFailed.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // the sink's own exception is thrown below
        }
        catch
        {
            // Stopped (or failed) while reading: the sink's write under way must end before the caller disposes the
            // sink, or the two race (a load started after the sink was disposed, its file left on disk).
            channel.Writer.TryComplete();
            await EndedAsync(writer).ConfigureAwait(false);
            throw;
        }
        channel.Writer.TryComplete();
        await writer.ConfigureAwait(false);
        // A bulk sink stores its last load here: its duplicates belong in the summary too.
        summary.StartStoring();
        OnProgress?.Invoke(summary);
        Account(await sink.FlushAsync(ct).ConfigureAwait(false), [], summary);
        summary.Warnings.AddRange(sink.TakeWarnings());
        deadLetters.Flush();
        summary.Stop();
        return summary;
    }

    // Waits for a task whose outcome is not the one to report.
    private static async Task EndedAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch
        {
            // the reading side's exception is the one thrown
        }
    }

    /// <summary>Threads that map a batch of events to ECS at once. Default 1: on the 2-core reference machine the
    /// second core is already busy with EVTX chunk decoding, the sink and the GC, and more threads measured slower
    /// (EVTX convert 17,000/s with 1, 15,000/s with 2).</summary>
    public int MappingParallelism { get; init; } = 1;

    private async Task ReadAsync(IReadOnlyList<InputFile> files, ChannelWriter<List<EcsDocument>> output, RunSummary summary, CancellationToken ct)
    {
        var events = new List<SysmonEvent>(BatchSize);
        foreach (var file in files)
        {
            summary.CurrentFile = file.Path;
            var fileEvents = 0L;
            List<IgnoredInput>? ignoredHere = null;
            await foreach (var result in source.ReadAsync(file, summary, ct).ConfigureAwait(false))
            {
                if (result.Event is { } e)
                {
                    fileEvents++;
                    events.Add(e);
                    if (events.Count >= BatchSize)
                    {
                        await output.WriteAsync(MapBatch(events, summary), ct).ConfigureAwait(false);
                        events.Clear();
                    }
                }
                else if (result.Rejected is { } rejected)
                {
                    Reject(rejected, summary);
                }
                else if (result.Ignored is { } ignored)
                {
                    (ignoredHere ??= []).Add(ignored);
                }
            }
            ReportIgnored(ignoredHere, fileEvents, summary);
            summary.FileDone();
            OnProgress?.Invoke(summary);
        }
        if (events.Count > 0) await output.WriteAsync(MapBatch(events, summary), ct).ConfigureAwait(false);
    }

    // Text outside any event is a note in a log that has events (headers, separators); in a file with no event at
    // all it is all there is (binary junk, the wrong file): dead letters, and the run is partial.
    private void ReportIgnored(List<IgnoredInput>? ignored, long fileEvents, RunSummary summary)
    {
        if (ignored is null) return;
        foreach (var i in ignored)
        {
            if (fileEvents > 0) summary.Ignored.Add($"{i.Position}: {i.Reason}");
            else Reject(new RejectedRecord(i.Position, "no Sysmon event in this file: " + i.Reason, null), summary);
        }
    }

    // Maps a batch on several threads, keeping its order; events that cannot be mapped go to the dead letters.
    private List<EcsDocument> MapBatch(List<SysmonEvent> events, RunSummary summary)
    {
        var docs = new EcsDocument?[events.Count];
        if (MappingParallelism <= 1 || events.Count < 64)
        {
            for (var i = 0; i < events.Count; i++) docs[i] = MapOrReject(events[i], summary);
        }
        else
        {
            Parallel.For(0, events.Count, new ParallelOptions { MaxDegreeOfParallelism = MappingParallelism },
                i => docs[i] = MapOrReject(events[i], summary));
        }
        var batch = new List<EcsDocument>(events.Count);
        foreach (var doc in docs)
        {
            if (doc is not null) batch.Add(doc);
        }
        return batch;
    }

    private async Task WriteAsync(ChannelReader<List<EcsDocument>> input, RunSummary summary, CancellationToken ct)
    {
        await foreach (var batch in input.ReadAllAsync(ct).ConfigureAwait(false))
        {
            var result = await sink.WriteAsync(batch, ct).ConfigureAwait(false);
            Account(result, batch, summary);
            OnStored?.Invoke(batch);
            OnProgress?.Invoke(summary);
        }
    }

    // Counts a sink's answer: the batch's events by code and host, its duplicates, and refused documents as
    // dead letters. A bulk sink may refuse documents of earlier batches (counted then): those are taken back.
    private void Account(SinkResult result, List<EcsDocument> batch, RunSummary summary)
    {
        summary.AddDuplicates(result.Duplicates);
        HashSet<EcsDocument>? refused = null;
        if (result.Rejected is { Count: > 0 } rejected)
        {
            refused = new HashSet<EcsDocument>(ReferenceEqualityComparer.Instance);
            foreach (var r in rejected)
            {
                refused.Add(r.Document);
                Reject(r.ToRejectedRecord(), summary);
            }
            var current = new HashSet<EcsDocument>(batch, ReferenceEqualityComparer.Instance);
            foreach (var r in rejected)
            {
                if (!current.Contains(r.Document)) summary.UncountEvent(r.Document.GetString("event.code") ?? "?", r.Document.GetString("host.name"));
            }
        }
        foreach (var doc in batch)
        {
            if (refused?.Contains(doc) == true) continue;
            summary.CountEvent(doc.GetString("event.code") ?? "?", doc.GetString("host.name"));
        }
    }

    private EcsDocument? MapOrReject(SysmonEvent e, RunSummary summary)
    {
        try
        {
            return mapper.Map(e);
        }
        catch (Exception ex) when (ex is MappingException or FormatException or ArgumentException or InvalidOperationException or OverflowException)
        {
            Reject(new RejectedRecord(e.Position, ex is MappingException ? ex.Message : "mapping failed: " + ex.Message,
                e.Original ?? Describe(e)), summary);
            return null;
        }
    }

    private void Reject(RejectedRecord record, RunSummary summary)
    {
        deadLetters.Write(record);
        summary.CountRejected();
    }

    private static string Describe(SysmonEvent e) =>
        $"event {e.EventId} " + string.Join("; ", e.Data.Select(kv => $"{kv.Key}={kv.Value}"));
}
