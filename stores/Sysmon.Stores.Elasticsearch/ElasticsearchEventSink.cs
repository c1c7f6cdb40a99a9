using Sysmon.Ingest;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Pipeline;
using Sysmon.Stores.Elasticsearch.Connection;
using Sysmon.Stores.Elasticsearch.Writing;

namespace Sysmon.Stores.Elasticsearch;

/// <summary>
/// The Elasticsearch <see cref="IEventSink"/>: events into the data stream <c>logs-sysmon-default</c> with their
/// deterministic ids. A batch returns only once the cluster has answered for every document, so the pipeline's
/// checkpoints never run ahead of what is stored.
/// </summary>
public sealed class ElasticsearchEventSink(ElasticsearchConnection es, BulkWriterOptions? options = null, string dataStream = Names.EventsDataStream) : IEventSink
{
    private readonly BulkWriter _writer = new(es, options);
    private readonly StoredIdCheck _stored = new(es, dataStream, options?.Backoff);

    public async ValueTask<SinkResult> WriteAsync(IReadOnlyList<EcsDocument> batch, CancellationToken cancellationToken)
    {
        var ids = new List<string>(batch.Count);
        foreach (var d in batch) if (d.Id is { } id) ids.Add(id);
        var already = await _stored.FindStoredAsync(ids, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<EcsDocument> send = batch;
        if (already.Count > 0)
        {
            var fresh = new List<EcsDocument>(batch.Count);
            foreach (var d in batch) if (d.Id is null || !already.Contains(d.Id)) fresh.Add(d);
            send = fresh;
        }
        var outcome = await _writer.WriteAsync(dataStream, send, cancellationToken).ConfigureAwait(false);
        lock (_resendsGate) _resends = _resends.Add(outcome.Resends);
        List<SinkRejection>? rejected = null;
        foreach (var (position, reason) in outcome.Rejected) (rejected ??= []).Add(new SinkRejection(send[position], reason));
        return new SinkResult(outcome.Stored, outcome.Duplicates + (batch.Count - send.Count), rejected);
    }

    // Every batch is complete when WriteAsync returns; nothing is buffered here.
    public ValueTask<SinkResult> FlushAsync(CancellationToken cancellationToken) => ValueTask.FromResult(default(SinkResult));

    private readonly Lock _resendsGate = new();
    private BulkResends _resends = BulkResends.None;

    /// <summary>Documents sent again since the last call (busy cluster, lost connections, 413s): each was stored in
    /// the end, but a cluster that keeps pushing back slows ingest, and only this tells the operator why.</summary>
    public IReadOnlyList<string> TakeWarnings()
    {
        BulkResends taken;
        lock (_resendsGate)
        {
            taken = _resends;
            _resends = BulkResends.None;
        }
        return taken.Describe() is { } warning ? [warning] : [];
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
