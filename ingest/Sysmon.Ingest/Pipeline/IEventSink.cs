using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Reading;

namespace Sysmon.Ingest.Pipeline;

/// <summary>A document the sink refused, with its reason (goes to the dead-letter file).</summary>
public sealed record SinkRejection(EcsDocument Document, string Reason)
{
    /// <summary>The dead letter: where the document came from (its log.file.path and log.offset), why, and itself.</summary>
    public RejectedRecord ToRejectedRecord() =>
        new(new SourcePosition(Document.GetString("log.file.path") ?? "?", null, Document.GetLong("log.offset")), Reason,
            Output.EcsJsonWriter.ToJson(Document));
}

/// <summary>What a sink did with one batch.</summary>
public readonly record struct SinkResult(int Stored, int Duplicates, IReadOnlyList<SinkRejection>? Rejected)
{
    public static SinkResult AllStored(int count) => new(count, 0, null);
}

/// <summary>
/// The port every destination implements (NDJSON file, DuckDB, Elasticsearch). The pipeline hands it mapped
/// documents in batches; a batch is stored (or reported back) before the next one is handed over, unless the sink
/// was made for bulk loading (<see cref="SinkMode.Bulk"/>): then it may hold batches back and store them at a
/// later write or at <see cref="FlushAsync"/>, whose result reports what that flush stored.
/// </summary>
public interface IEventSink : IAsyncDisposable
{
    ValueTask<SinkResult> WriteAsync(IReadOnlyList<EcsDocument> batch, CancellationToken cancellationToken);

    ValueTask<SinkResult> FlushAsync(CancellationToken cancellationToken);

    /// <summary>Waits for the stores under way (a bulk load started in the background) and returns what they stored,
    /// without storing what is still held back, so that the store can be let go for a while and written on after.
    /// Sinks that store nothing in the background have nothing to wait for.</summary>
    ValueTask<SinkResult> SettleAsync(CancellationToken cancellationToken) => ValueTask.FromResult(default(SinkResult));

    /// <summary>What the operator should hear about since the last call and that is no single record's fault (a
    /// load that needed more memory than its limit, say): `ingest` prints it in its summary, the worker logs it.
    /// Asked for after a flush. Most sinks have nothing to say.</summary>
    IReadOnlyList<string> TakeWarnings() => [];
}

/// <summary>How a sink may store: each batch before the write returns, or in large loads when that is much cheaper
/// for the store, everything held back being stored by <see cref="IEventSink.FlushAsync"/> (a one-off ingest, simply
/// re-run after a crash; the worker, which flushes before it checkpoints its offsets).</summary>
public enum SinkMode
{
    Immediate,
    Bulk,
}
