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
    // A bulk run's alert write under way: it runs beside the pipeline, since it waits for the store's event load
    // under way (DuckDB's gate), which took 19 s of a 1M-event ingest's 43 s when the pipeline waited with it.
    private Task<IReadOnlyList<Alert>>? _writing;

    public long Alerts { get; private set; }

    /// <summary>Alerts gathered before they are written; by default each batch's at once (the worker: stored within
    /// milliseconds). A one-off bulk run (`ingest`, `reindex`) gathers thousands: each write is a store transaction,
    /// and 380,749 alerts written 100 events at a time made a 1M re-enrichment 10 times slower than the copy alone.
    /// With more than one per write, a write runs on a thread of its own (one at a time; alerts keep gathering while
    /// it waits). Whatever is gathered is written at <see cref="FlushAsync"/>, <see cref="SettleAsync"/> and disposal;
    /// alerts are reported once stored.</summary>
    public int AlertsPerWrite { get; init; } = 1;

    // Writes' worth of alerts that may gather while one waits. 1M events, 380,749 alerts: 4 -> 39.7-40.4 s at
    // 389-391 MB, 8 -> 34.7-35.5 s at 390-393 MB, 16 -> 36.0-37.9 s at 395-421 MB (bench/README.md).
    private const int PendingWrites = 8;

    // What gathered while the last write waited, written AlertsPerWrite at a time: one store transaction for all of
    // it held 54,000 alerts in DuckDB's memory at once (ingest peaked at 485-494 MB instead of 385 MB).
    private async Task<IReadOnlyList<Alert>> WriteInPartsAsync(List<Alert> pending, CancellationToken ct)
    {
        var parts = pending.Count / AlertsPerWrite; // each at least AlertsPerWrite
        if (parts <= 1) return await store.WriteAlertsAsync(pending, ct).ConfigureAwait(false);
        var stored = new List<Alert>();
        foreach (var part in pending.Chunk((pending.Count + parts - 1) / parts))
        {
            stored.AddRange(await store.WriteAlertsAsync(part, ct).ConfigureAwait(false));
        }
        return stored;
    }

    public async ValueTask<SinkResult> WriteAsync(IReadOnlyList<EcsDocument> batch, CancellationToken cancellationToken)
    {
        List<Alert>? alerts = null;
        foreach (var doc in batch)
        {
            if (tagger.Tag(doc) is { } found) (alerts ??= []).AddRange(found);
        }
        var result = await inner.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        if (_writing is { IsCompleted: true }) await TakeWritingAsync().ConfigureAwait(false);
        if (alerts is not null)
        {
            (_pending ??= []).AddRange(alerts);
            if (_pending.Count >= AlertsPerWrite)
            {
                if (AlertsPerWrite == 1) await WritePendingAsync(cancellationToken).ConfigureAwait(false);
                else await StartWritingAsync(cancellationToken).ConfigureAwait(false);
            }
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

    // Bulk runs: what is gathered goes to a write of its own unless one is under way. Alerts gather while a write
    // waits, up to PendingWrites writes' worth (memory stays flat), then the pipeline waits for it too.
    private async Task StartWritingAsync(CancellationToken ct)
    {
        if (_pending!.Count >= AlertsPerWrite * PendingWrites) await TakeWritingAsync().ConfigureAwait(false);
        if (_writing is not null) return;
        var pending = _pending;
        _pending = null;
        _writing = Task.Run(() => WriteInPartsAsync(pending, ct), CancellationToken.None);
    }

    // Waits for the write under way (if any), then writes what is gathered.
    private async Task WritePendingAsync(CancellationToken ct)
    {
        await TakeWritingAsync().ConfigureAwait(false);
        if (_pending is not { Count: > 0 } pending) return;
        _pending = null;
        Report(await store.WriteAlertsAsync(pending, ct).ConfigureAwait(false));
    }

    private async Task TakeWritingAsync()
    {
        if (_writing is not { } writing) return;
        _writing = null;
        Report(await writing.ConfigureAwait(false));
    }

    // On the sink's own thread: the counts and the callback never run beside each other.
    private void Report(IReadOnlyList<Alert> stored)
    {
        Alerts += stored.Count;
        if (onAlert is not null) foreach (var a in stored) onAlert(a);
    }
}
