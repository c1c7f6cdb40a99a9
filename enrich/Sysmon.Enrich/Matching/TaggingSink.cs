using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Pipeline;

namespace Sysmon.Enrich.Matching;

/// <summary>
/// An <see cref="IEventSink"/> in front of another: tags each document against the current indicators, stores the
/// batch, then writes the alerts of the batch (alert ids make a repeated match harmless) and reports each one.
/// </summary>
public sealed class TaggingSink(IEventSink inner, EventTagger tagger, IIndicatorStore store, Action<Alert>? onAlert = null) : IEventSink
{
    public long Alerts { get; private set; }

    public async ValueTask<SinkResult> WriteAsync(IReadOnlyList<EcsDocument> batch, CancellationToken cancellationToken)
    {
        List<Alert>? alerts = null;
        foreach (var doc in batch)
        {
            if (tagger.Tag(doc) is { } found) (alerts ??= []).AddRange(found);
        }
        var result = await inner.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        if (alerts is not null)
        {
            Alerts += await store.WriteAlertsAsync(alerts, cancellationToken).ConfigureAwait(false);
            if (onAlert is not null) foreach (var a in alerts) onAlert(a);
        }
        return result;
    }

    public ValueTask<SinkResult> FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public IReadOnlyList<string> TakeWarnings() => inner.TakeWarnings();

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
