using Sysmon.Ingest.DeadLetter;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Reading;

namespace Sysmon.Ingest.Pipeline;

/// <summary>
/// Copies stored events from one store into another (`reindex`): read back in the source's order, optionally changed
/// on the way (enrichments dropped to be tagged anew), written in batches. Every <see cref="CheckpointEvery"/> events
/// the sink is flushed and the position of the last one is handed to <see cref="OnCheckpoint"/>: a stopped copy goes on
/// from there, and since sinks skip stored ids, the events between that checkpoint and the stop are not stored twice.
/// </summary>
public sealed class Reindexer(IStoredEventSource source, IEventSink sink, DeadLetterWriter deadLetters, string sourceName)
{
    /// <summary>Documents per write.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Events between flushes (and so between checkpoints; each waits for the sink to store what it holds).</summary>
    public int CheckpointEvery { get; init; } = 500_000;

    /// <summary>Called with each document before it is written (re-enrichment drops its old tags here).</summary>
    public Action<EcsDocument>? Change { get; init; }

    /// <summary>Called after a flush with the last event it made safe (its position, and the id stored there).</summary>
    public Func<StoredEvent, CancellationToken, Task>? OnCheckpoint { get; init; }

    public Action<RunSummary>? OnProgress { get; init; }

    /// <summary>Events read back so far (stored, duplicate or rejected).</summary>
    public long Read { get; private set; }

    /// <summary>Copies the events after <paramref name="after"/>; <paramref name="summary"/> counts them (events by
    /// code and host, duplicates, rejections).</summary>
    public async Task<RunSummary> RunAsync(string? after, RunSummary summary, CancellationToken ct)
    {
        summary.DeadLetterPath = deadLetters.Path;
        var batch = new List<EcsDocument>(BatchSize);
        var sinceCheckpoint = 0;
        StoredEvent? last = null;
        await foreach (var stored in source.ReadAsync(after, ct).ConfigureAwait(false))
        {
            last = stored;
            Read++;
            if (stored.Document is not { } doc)
            {
                Reject(new RejectedRecord(Where(stored), "not read back from the store: " + stored.Error, stored.Stored), summary);
                continue;
            }
            Change?.Invoke(doc);
            summary.CountEvent(doc.GetString("event.code") ?? "?", doc.GetString("host.name"));
            batch.Add(doc);
            if (batch.Count >= BatchSize)
            {
                Account(await sink.WriteAsync(batch, ct).ConfigureAwait(false), summary);
                sinceCheckpoint += batch.Count;
                batch = new List<EcsDocument>(BatchSize); // a bulk sink may hold the documents until it loads them
            }
            if (sinceCheckpoint >= CheckpointEvery)
            {
                await CheckpointAsync(last, summary, ct).ConfigureAwait(false);
                sinceCheckpoint = 0;
            }
            OnProgress?.Invoke(summary);
        }
        if (batch.Count > 0) Account(await sink.WriteAsync(batch, ct).ConfigureAwait(false), summary);
        summary.StartStoring();
        OnProgress?.Invoke(summary);
        if (last is not null) await CheckpointAsync(last, summary, ct).ConfigureAwait(false);
        else Account(await sink.FlushAsync(ct).ConfigureAwait(false), summary);
        foreach (var warning in sink.TakeWarnings()) summary.Warnings.Add(warning);
        deadLetters.Flush();
        summary.Stop();
        return summary;
    }

    private async Task CheckpointAsync(StoredEvent last, RunSummary summary, CancellationToken ct)
    {
        Account(await sink.FlushAsync(ct).ConfigureAwait(false), summary);
        deadLetters.Flush();
        if (OnCheckpoint is not null) await OnCheckpoint(last, ct).ConfigureAwait(false);
    }

    private SourcePosition Where(StoredEvent stored) => new($"{sourceName} event {stored.Id}", null, null);

    // Duplicates and refusals from a write or flush (a bulk sink's refusals may be of documents handed earlier).
    private void Account(SinkResult result, RunSummary summary)
    {
        summary.AddDuplicates(result.Duplicates);
        if (result.Rejected is not { Count: > 0 } rejected) return;
        foreach (var r in rejected)
        {
            summary.UncountEvent(r.Document.GetString("event.code") ?? "?", r.Document.GetString("host.name"));
            var record = r.ToRejectedRecord();
            Reject(record with { Position = new SourcePosition($"{sourceName} event {r.Document.Id}", null, null) }, summary);
        }
    }

    private void Reject(RejectedRecord record, RunSummary summary)
    {
        deadLetters.Write(record);
        summary.CountRejected();
    }
}
