using System.CommandLine;
using Sysmon.Elastic.Cli;
using Sysmon.Enrich;
using Sysmon.Ingest.DeadLetter;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;

namespace Sysmon.Elastic.Commands;

/// <summary><c>ingest PATH... [--store URI]</c>: read, map and store; progress while it runs, a summary at the end.</summary>
public static class IngestCommand
{
    public const string DefaultDeadLetterName = "sysmon-elastic.deadletter.ndjson";

    /// <summary>Alerts gathered before each write in a one-off bulk run (`ingest`, `reindex`): see TaggingSink.AlertsPerWrite.</summary>
    public const int BulkAlertsPerWrite = 4096;

    public static Command Create()
    {
        var reading = new ReadingOptions();
        var store = StoreLocation.CreateOption();
        var command = new Command("ingest", "Read Sysmon events (EVTX, XML, JSON, message text, event log CSV; plain, gzip-compressed or in zip/tar archives), map them to ECS and store them.");
        reading.AddTo(command);
        command.Options.Add(store);
        command.SetAction((result, ct) => RunAsync(result, reading, store, ct));
        return command;
    }

    private static Task<int> RunAsync(ParseResult result, ReadingOptions reading, Option<string?> storeOption, CancellationToken ct) =>
        CommandErrors.RunAsync(async stderr =>
        {
            var location = StoreLocation.Parse(result.GetValue(storeOption));
            var files = reading.ExpandInputs(result, out var skipped);
            var source = reading.CreateSource(result);
            var mapper = reading.CreateMapper(result, stderr);
            var deadLetterPath = result.GetValue(reading.DeadLetter) ?? DefaultDeadLetterName;
            using var signals = new StopSignals(ct);
            RunSummary summary;
            try
            {
                summary = await IngestAsync(files, location, source, mapper, deadLetterPath, new AlertLines(stderr), ProgressReporter.ForStandardError(), signals.Token)
                    .ConfigureAwait(false);
            }
            catch (IngestInterruptedException ex)
            {
                await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.Interrupted;
            }
            summary.Warnings.AddRange(ReadingOptions.InputWarnings(files, skipped));
            await stderr.WriteAsync(summary.Format("ingested")).ConfigureAwait(false);
            return summary.ExitCode;
        });

    /// <summary>Reads, maps, tags (with the store's active indicators) and stores; the summary of the run. Stopped
    /// through <paramref name="ct"/>, it throws <see cref="IngestInterruptedException"/> once the load under way is
    /// in the store.</summary>
    public static async Task<RunSummary> IngestAsync(IReadOnlyList<InputFile> files, StoreLocation location, EventSource source, EcsMapper mapper,
        string deadLetterPath, AlertLines alerts, ProgressReporter progress, CancellationToken ct)
    {
        using var store = Store.OpenWhenFree(location);
        using var deadLetters = new DeadLetterWriter(deadLetterPath);
        var before = await store.CountEventsAsync(ct).ConfigureAwait(false);
        try
        {
            var summary = await StoreAsync(files, location, store, source, mapper, deadLetters, alerts, progress, ct).ConfigureAwait(false);
            // The store's close checkpoints the last load, and that takes memory of its own (bench/README.md, 10M
            // events): the managed heap the run no longer needs is given back first, not added to it.
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            return summary;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The sink is disposed by now: the load DuckDB or the cluster was running has finished.
            progress.Finish();
            var after = await store.CountEventsAsync(CancellationToken.None).ConfigureAwait(false);
            throw new IngestInterruptedException(after - before, after, location.ToString());
        }
        catch (Exception ex) when (StoreErrors.Is(ex))
        {
            // A store that failed mid-run (a full disk): the loads before the failure are stored, each whole.
            progress.Finish();
            ex.Data[CommandErrors.NextStep] = $"the loads stored before the failure stay{await HoldsAsync(store).ConfigureAwait(false)}; once " +
                "the cause is fixed (e.g. disk space), run the same command again: events already stored are skipped";
            throw;
        }
    }

    // ", (store) holds N events", or nothing when the store cannot say.
    private static async Task<string> HoldsAsync(Store store)
    {
        try
        {
            return $" ({store.Location} holds {await store.CountEventsAsync(CancellationToken.None).ConfigureAwait(false):N0} events)";
        }
        catch (Exception ex) when (StoreErrors.Is(ex))
        {
            return "";
        }
    }

    private static async Task<RunSummary> StoreAsync(IReadOnlyList<InputFile> files, StoreLocation location, Store store, EventSource source,
        EcsMapper mapper, DeadLetterWriter deadLetters, AlertLines alerts, ProgressReporter progress, CancellationToken ct)
    {
        var indicators = store.Indicators;
        var set = await indicators.LoadSetAsync(null, matchParentDomains: false, ct).ConfigureAwait(false);
        await using var sink = new TaggingSink(store.CreateEventSink(SinkMode.Bulk), new EventTagger(() => set), indicators, alerts.Add)
        {
            AlertsPerWrite = BulkAlertsPerWrite,
        };
        // Small batches, one waiting: the bulk sink gathers its own loads, and documents that die young stay in
        // gen 0 (200,000 events: 17,100/s with 500 per batch against 14,100/s with 5,000; GC pauses 1.2-1.9 s with
        // 2 x 500 waiting, 0.5-0.7 s with 1 x 100: fewer documents outlive a gen 0 collection).
        var pipeline = new EventPipeline(source, mapper, sink, deadLetters) { OnProgress = progress.Report, BatchSize = 100, BatchesInFlight = 1 };
        var summary = await pipeline.RunAsync(files, ct).ConfigureAwait(false);
        progress.Finish();
        summary.Info.Add($"store {location} now holds {await store.CountEventsAsync(ct).ConfigureAwait(false):N0} events");
        if (!set.IsEmpty) summary.Info.Add($"{set.Count:N0} indicators checked; {sink.Alerts:N0} new alert(s)");
        if (set.Skipped.Warning is { } skipped) summary.Warnings.Add(skipped);
        if (alerts.NotShown(location) is { } notShown) summary.Info.Add(notShown);
        return summary;
    }
}
