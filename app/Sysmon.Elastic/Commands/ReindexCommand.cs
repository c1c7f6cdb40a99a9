using System.CommandLine;
using Sysmon.Elastic.Cli;
using Sysmon.Enrich;
using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;
using Sysmon.Ingest.DeadLetter;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Pipeline;

namespace Sysmon.Elastic.Commands;

/// <summary>
/// <c>reindex --store SOURCE --dest DESTINATION [--re-enrich]</c>: copies every stored event into another store (a
/// laptop's DuckDB file into the cluster, a cluster's events into a file for a case, several case files into one),
/// optionally tagged anew against the destination's indicators. Resumable: a checkpoint file says where a stopped copy
/// got to, and the next run goes on from there; the destination skips ids it holds, so nothing is stored twice.
/// </summary>
public static class ReindexCommand
{
    public const string DefaultDeadLetterName = "sysmon-elastic.reindex-deadletter.ndjson";

    public static Command Create()
    {
        var store = StoreLocation.CreateOption();
        store.Description = "The store to copy from (default " + StoreLocation.DefaultUri + ", or $" + StoreLocation.EnvironmentVariable + ").";
        var dest = new Option<string>("--dest")
        {
            Description = "The store to copy into: duckdb:PATH or http(s)://host:9200 (its events skip ids it already holds).",
            Required = true,
        };
        var reEnrich = new Option<bool>("--re-enrich")
        {
            Description = "Drop each event's threat.enrichments and tag it again against the destination's active indicators, raising alerts there.",
        };
        var checkpoint = new Option<string>("--checkpoint")
        {
            Description = "Where the copy notes how far it got (removed when it ends); a run that finds a checkpoint of the same copy goes on from it.",
            DefaultValueFactory = _ => ReindexCheckpoint.DefaultPath,
        };
        var every = new Option<int>("--checkpoint-every")
        {
            Description = "Events between checkpoints (each one waits for the destination to store what it was given).",
            DefaultValueFactory = _ => DefaultCheckpointEvery,
        };
        var restart = new Option<bool>("--restart") { Description = "Ignore a checkpoint and copy from the first event." };
        var deadLetter = new Option<string>("--dead-letter")
        {
            Description = "Where events that cannot be read back or stored go, with the reason.",
            DefaultValueFactory = _ => DefaultDeadLetterName,
        };
        var command = new Command("reindex", "Copy stored events into another store (DuckDB or Elasticsearch, either way), optionally re-enriched; resumable.");
        foreach (var option in new Option[] { store, dest, reEnrich, checkpoint, every, restart, deadLetter }) command.Options.Add(option);
        command.SetAction((result, ct) => CommandErrors.RunAsync(async stderr =>
        {
            var from = StoreLocation.Parse(result.GetValue(store));
            var into = StoreLocation.Parse(result.GetValue(dest));
            if (from.Identity == into.Identity)
            {
                throw new UsageException($"--dest {into} is the store being copied; reindex copies into another store (a new DuckDB file, a cluster)");
            }
            if (result.GetValue(every) < 1) throw new UsageException($"--checkpoint-every {result.GetValue(every)}: give a number of events, 1 or more");
            var options = new CopyOptions(result.GetValue(reEnrich), result.GetValue(checkpoint)!, result.GetValue(restart), result.GetValue(deadLetter)!)
            {
                CheckpointEvery = result.GetValue(every),
            };
            using var signals = new StopSignals(ct);
            return await CopyAsync(from, into, options, stderr, ProgressReporter.ForStandardError(), signals.Token).ConfigureAwait(false);
        }));
        return command;
    }

    /// <summary>Events between checkpoints. Each one waits for the destination to store what it holds, while the reading
    /// waits too: a 1M copy into DuckDB took 46 s checkpointing every 131,072 events (its load size), 30.5 s every
    /// 500,000 and 28.2 s with one checkpoint at the end (bench/README.md).</summary>
    public const int DefaultCheckpointEvery = 500_000;

    // The source's DuckDB cache: a copy reads each row group once, so a cache buys nothing, and the default 256MB of it
    // made a 1M copy's peak 612 MB against 426 MB with 64MB, at the same speed.
    private const string SourceMemoryLimit = "64MB";

    public sealed record CopyOptions(bool ReEnrich, string CheckpointPath, bool Restart, string DeadLetterPath)
    {
        public int CheckpointEvery { get; init; } = DefaultCheckpointEvery;
    }

    /// <summary>The copy; its exit code (0 done, 1 some events rejected, 130 stopped with the checkpoint saved).</summary>
    public static async Task<int> CopyAsync(StoreLocation from, StoreLocation into, CopyOptions options, TextWriter stderr, ProgressReporter progress,
        CancellationToken ct)
    {
        var resumed = options.Restart ? null : ReindexCheckpoint.Load(options.CheckpointPath);
        if (resumed is not null && !resumed.IsFor(from.Identity, into.Identity, options.ReEnrich))
        {
            throw new UsageException($"{options.CheckpointPath} is the checkpoint of another copy ({resumed.Describe})")
            {
                Data = { [CommandErrors.NextStep] = "finish that copy, give this one its own --checkpoint FILE, or --restart to drop it" },
            };
        }
        using var source = Store.OpenExisting(from, from.DuckDbOptions.MemoryLimit is null ? from.DuckDbOptions with { MemoryLimit = SourceMemoryLimit } : null);
        // The source answers first: an unreachable cluster leaves no empty destination file behind.
        long total;
        try
        {
            total = await source.StoredEvents.CountAsync(resumed?.Position, ct).ConfigureAwait(false);
            if (resumed?.Mismatch(await source.StoredEvents.IdAtAsync(resumed.Position, ct).ConfigureAwait(false)) is { } mismatch)
            {
                throw new UsageException($"{options.CheckpointPath}: {mismatch}")
                {
                    Data = { [CommandErrors.NextStep] = "--restart copies from the first event (the destination skips what it holds)" },
                };
            }
        }
        catch (FormatException ex) when (resumed is not null)
        {
            // A checkpoint edited by hand, or from another version: said as such, not a stack trace.
            throw new UsageException($"{options.CheckpointPath}: {ex.Message}")
            {
                Data = { [CommandErrors.NextStep] = "--restart copies from the first event (the destination skips what it holds)" },
            };
        }
        using var destination = Store.OpenWhenFree(into);
        if (resumed is not null) await stderr.WriteLineAsync($"going on from {options.CheckpointPath}: {resumed.Describe}").ConfigureAwait(false);
        var before = await destination.CountEventsAsync(ct).ConfigureAwait(false);

        using var deadLetters = new DeadLetterWriter(options.DeadLetterPath);
        var alerts = new AlertLines(stderr);
        IEventSink sink = destination.CreateEventSink(SinkMode.Bulk);
        TaggingSink? tagging = null;
        IndicatorSet? indicators = null;
        if (options.ReEnrich)
        {
            indicators = await destination.Indicators.LoadSetAsync(null, matchParentDomains: false, ct).ConfigureAwait(false);
            sink = tagging = new TaggingSink(sink, new EventTagger(() => indicators), destination.Indicators, alerts.Add)
            {
                AlertsPerWrite = IngestCommand.BulkAlertsPerWrite,
            };
        }
        var summary = new RunSummary();
        var copiedBefore = resumed?.Copied ?? 0;
        Reindexer? reindexer = null;
        reindexer = new Reindexer(source.StoredEvents, sink, deadLetters, from.ToString())
        {
            CheckpointEvery = options.CheckpointEvery,
            Change = options.ReEnrich ? static doc => doc.Remove("threat.enrichments") : null,
            OnCheckpoint = (last, _) =>
            {
                new ReindexCheckpoint(from.Identity, into.Identity, options.ReEnrich, last.Position, copiedBefore + reindexer!.Read, DateTimeOffset.UtcNow)
                    {
                        PositionId = last.PositionId ?? "",
                    }
                    .Save(options.CheckpointPath);
                return Task.CompletedTask;
            },
            OnProgress = s => progress.ReportCopy(reindexer!.Read, total, s),
        };
        try
        {
            await using (sink)
            {
                await reindexer.RunAsync(resumed?.Position, summary, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            progress.Finish();
            var saved = ReindexCheckpoint.Load(options.CheckpointPath);
            await stderr.WriteLineAsync(saved is null
                ? "stopped before the first checkpoint; run the same command again to copy from the start (events already copied are skipped)"
                : $"stopped; {options.CheckpointPath} holds where the copy got to ({saved.Describe}): run the same command again to go on").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        progress.Finish();
        File.Delete(options.CheckpointPath);

        var after = await destination.CountEventsAsync(ct).ConfigureAwait(false);
        summary.Info.Add($"{into} now holds {after:N0} events ({after - before:N0} new)");
        if (indicators is not null)
        {
            summary.Info.Add(indicators.IsEmpty
                ? $"re-enrich: {into} holds no active indicators, so the events were stored without tags (pull feeds there first: sysmon-elastic feeds update --store {into})"
                : $"re-enrich: {indicators.Count:N0} indicators checked; {tagging!.Alerts:N0} new alert(s)");
            if (alerts.NotShown(into) is { } notShown) summary.Info.Add(notShown);
            if (indicators.Skipped.Warning is { } skipped) summary.Warnings.Add(skipped);
        }
        await stderr.WriteAsync(summary.Format("copied", from.ToString() + (resumed is null ? "" : " (after the checkpoint)"))).ConfigureAwait(false);
        return summary.ExitCode;
    }
}
