using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Pipeline;

namespace Sysmon.Enrich.Matching;

/// <summary>
/// An <see cref="IEventSink"/> in front of another: tags each document against the current indicators, stores the
/// batch, then writes the alerts and reports each one the store did not hold yet (alert ids make a repeated match
/// harmless: events ingested again raise nothing again).
/// </summary>
public sealed class TaggingSink(IEventSink inner, EventTagger tagger, IIndicatorStore store, Action<Alert>? onAlert = null) : IEventSink
{
    private List<Alert>? _pending;

    public long Alerts { get; private set; }

    /// <summary>Alerts gathered before they are written; by default each batch's at once (the worker: stored within
    /// milliseconds). A one-off bulk run (`ingest`, `reindex`) gathers thousands: each write is a store transaction,
    /// and 380,749 alerts written 100 events at a time made a 1M re-enrichment 10 times slower than the copy alone.
    /// Whatever is gathered is written at <see cref="FlushAsync"/>, <see cref="SettleAsync"/> and disposal, and reported
    /// then.</summary>
    public int AlertsPerWrite { get; init; } = 1;

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
            (_pending ??= []).AddRange(alerts);
            if (_pending.Count >= AlertsPerWrite) await WritePendingAsync(cancellationToken).ConfigureAwait(false);
        }
        return result;
    }

    public async ValueTask<SinkResult> FlushAsync(CancellationToken cancellationToken)
    {
        var result = await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        await WritePendingAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    public async ValueTask<SinkResult> SettleAsync(CancellationToken cancellationToken)
    {
        var result = await inner.SettleAsync(cancellationToken).ConfigureAwait(false);
        await WritePendingAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    public IReadOnlyList<string> TakeWarnings() => inner.TakeWarnings();

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Stopped (Ctrl+C) after events were stored: their alerts are kept too, since a run again skips the events.
            await WritePendingAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await inner.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task WritePendingAsync(CancellationToken ct)
    {
        if (_pending is not { Count: > 0 } pending) return;
        _pending = null;
        var stored = await store.WriteAlertsAsync(pending, ct).ConfigureAwait(false);
        Alerts += stored.Count;
        if (onAlert is not null) foreach (var a in stored) onAlert(a);
    }
}
