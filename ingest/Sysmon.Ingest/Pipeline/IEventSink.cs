using Sysmon.Ingest.Ecs;

namespace Sysmon.Ingest.Pipeline;

/// <summary>A document the sink refused, with its reason (goes to the dead-letter file).</summary>
public sealed record SinkRejection(EcsDocument Document, string Reason);

/// <summary>What a sink did with one batch.</summary>
public readonly record struct SinkResult(int Stored, int Duplicates, IReadOnlyList<SinkRejection>? Rejected)
{
    public static SinkResult AllStored(int count) => new(count, 0, null);
}

/// <summary>
/// The port every destination implements (NDJSON file, DuckDB, Elasticsearch). The pipeline hands it mapped
/// documents in batches; a batch is stored (or reported back) before the next one is handed over.
/// </summary>
public interface IEventSink : IAsyncDisposable
{
    ValueTask<SinkResult> WriteAsync(IReadOnlyList<EcsDocument> batch, CancellationToken cancellationToken);

    ValueTask FlushAsync(CancellationToken cancellationToken);
}
