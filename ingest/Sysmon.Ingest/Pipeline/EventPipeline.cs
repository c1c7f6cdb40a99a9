using Sysmon.Ingest.DeadLetter;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Reading;

namespace Sysmon.Ingest.Pipeline;

/// <summary>
/// Reads inputs, maps every event to ECS and hands batches to a sink; bad records go to the dead-letter file
/// with their position and reason. No exception crosses a record boundary: one bad record never stops a run.
/// </summary>
public sealed class EventPipeline(EventSource source, EcsMapper mapper, IEventSink sink, DeadLetterWriter deadLetters)
{
    public int BatchSize { get; init; } = 1000;

    /// <summary>Called after each file with the running summary (progress display).</summary>
    public Action<RunSummary>? OnProgress { get; init; }

    public async Task<RunSummary> RunAsync(IReadOnlyList<InputFile> files, CancellationToken ct)
    {
        var summary = new RunSummary { FilesTotal = files.Count, DeadLetterPath = deadLetters.Path };
        var batch = new List<EcsDocument>(BatchSize);
        foreach (var file in files)
        {
            await foreach (var result in source.ReadAsync(file, summary, ct).ConfigureAwait(false))
            {
                if (result.Event is { } e)
                {
                    var doc = MapOrReject(e, summary);
                    if (doc is null) continue;
                    batch.Add(doc);
                    if (batch.Count >= BatchSize) await FlushBatchAsync(batch, summary, ct).ConfigureAwait(false);
                }
                else if (result.Rejected is { } rejected)
                {
                    Reject(rejected, summary);
                }
                else if (result.Ignored is { } ignored)
                {
                    summary.Ignored.Add($"{ignored.Position}: {ignored.Reason}");
                }
            }
            summary.FilesDone++;
            summary.BytesRead += file.Length;
            OnProgress?.Invoke(summary);
        }
        await FlushBatchAsync(batch, summary, ct).ConfigureAwait(false);
        await sink.FlushAsync(ct).ConfigureAwait(false);
        deadLetters.Flush();
        summary.Stop();
        return summary;
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

    private async ValueTask FlushBatchAsync(List<EcsDocument> batch, RunSummary summary, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        var result = await sink.WriteAsync(batch, ct).ConfigureAwait(false);
        summary.Duplicates += result.Duplicates;
        HashSet<EcsDocument>? refused = null;
        if (result.Rejected is { Count: > 0 } rejected)
        {
            refused = new HashSet<EcsDocument>(ReferenceEqualityComparer.Instance);
            foreach (var r in rejected)
            {
                refused.Add(r.Document);
                var path = r.Document.GetString("log.file.path") ?? "?";
                Reject(new RejectedRecord(new SourcePosition(path, null, r.Document.GetLong("log.offset")), r.Reason,
                    Output.EcsJsonWriter.ToJson(r.Document)), summary);
            }
        }
        foreach (var doc in batch)
        {
            if (refused?.Contains(doc) == true) continue;
            summary.CountEvent(doc.GetString("event.code") ?? "?", doc.GetString("host.name"));
        }
        summary.Events.ToString(System.Globalization.CultureInfo.InvariantCulture);
        batch.Clear();
    }

    private void Reject(RejectedRecord record, RunSummary summary)
    {
        deadLetters.Write(record);
        summary.CountRejected();
    }

    private static string Describe(SysmonEvent e) =>
        $"event {e.EventId} " + string.Join("; ", e.Data.Select(kv => $"{kv.Key}={kv.Value}"));
}
