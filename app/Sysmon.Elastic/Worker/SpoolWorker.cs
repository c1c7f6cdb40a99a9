using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Sysmon.Elastic.Cli;
using Sysmon.Stores.Elasticsearch.Connection;
using Sysmon.Enrich;
using Sysmon.Enrich.Feeds;
using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;
using Sysmon.Ingest.DeadLetter;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Text;

namespace Sysmon.Elastic.Worker;

/// <summary>
/// The long-running ingest worker: watches spool directories; whole-file inputs (.evtx, .xml) are ingested once
/// they stop changing; line-oriented inputs (.json, .ndjson, .jsonl, .log, .txt) are tailed. A file's checkpoint
/// moves only after the batch holding its records is stored, so a restart, a crash or kill -9 loses nothing, and
/// replayed records are recognised by their deterministic ids.
/// </summary>
public sealed partial class SpoolWorker(IOptions<WorkerOptions> options, IHostApplicationLifetime lifetime, IServiceProvider services,
    ILogger<SpoolWorker> log) : BackgroundService
{
    private static readonly HashSet<string> WholeFiles = new(StringComparer.OrdinalIgnoreCase) { ".evtx", ".xml" };
    private static readonly HashSet<string> TailedFiles = new(StringComparer.OrdinalIgnoreCase) { ".json", ".ndjson", ".jsonl", ".log", ".txt" };

    private readonly WorkerOptions _options = options.Value;
    private readonly Dictionary<string, (long Length, long Ticks, DateTime Since)> _settling = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reportedUnsupported = new(StringComparer.Ordinal);
    private IEventSink? _sink;
    private DeadLetterWriter? _deadLetters;
    private CheckpointStore? _checkpoints;
    private EcsMapper? _mapper;
    private EventSource? _source;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await StartAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Sysmon.Stores.DuckDb.StoreException or ElasticsearchUnavailableException or ElasticsearchRequestException
                                       or UsageException or InvalidOperationException or IOException)
        {
            LogCannotStart(ex.Message);
            Environment.ExitCode = ex is Sysmon.Stores.DuckDb.StoreException or ElasticsearchUnavailableException ? ExitCodes.StoreUnreachable : ExitCodes.Usage;
            lifetime.StopApplication();
            return;
        }
        var directories = string.Join(", ", _options.SpoolDirectories);
        LogStarted(directories, _options.Store);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                foreach (var directory in _options.SpoolDirectories) await ScanAsync(directory, stoppingToken).ConfigureAwait(false);
                await Task.Delay(_options.PollInterval, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _checkpoints?.Save();
            _deadLetters?.Dispose();
            if (_sink is not null) await _sink.DisposeAsync().ConfigureAwait(false);
            LogStopped();
        }
    }

    private async Task StartAsync()
    {
        if (_options.SpoolDirectories.Count == 0) _options.SpoolDirectories.Add("./spool");
        if (_options.MaxReadBytes < 64 * 1024)
        {
            throw new UsageException($"Worker:MaxReadBytes is {_options.MaxReadBytes}; it must be at least 65536 (bytes read from a tailed file at a time)");
        }
        var store = services.GetRequiredService<Store>();
        var indicators = services.GetRequiredService<IIndicatorStore>();
        var holder = services.GetRequiredService<IndicatorSetHolder>();
        var registry = services.GetRequiredService<FeedRegistry>();
        // Indicators already stored match from the first event on; the feed job refreshes and swaps the set.
        holder.Swap(new IndicatorSet(await indicators.LoadActiveAsync(CancellationToken.None).ConfigureAwait(false), registry.AllowList,
            registry.MatchParentDomains));
        // Bulk: DuckDB loads large files in a few big statements instead of one per batch of BatchSize (a 41 MB JSON
        // file went at a third of `ingest`'s speed). Nothing is checkpointed before StoreAsync's flush has stored it.
        _sink = new TaggingSink(store.CreateEventSink(SinkMode.Bulk), new EventTagger(() => holder.Current), indicators,
            a => LogAlert(a.Host ?? "", a.EventCode ?? "", a.MatchedField, a.MatchedAtomic, a.Feed));
        _deadLetters = new DeadLetterWriter(_options.DeadLetter);
        _checkpoints = new CheckpointStore(_options.StateFile);
        _checkpoints.Load();
        _mapper = new EcsMapper(new EcsMapperOptions { HostName = _options.HostName, PublicSuffixes = PublicSuffixList.TryLoad() });
        _source = new EventSource(InputFormat.Auto, ChannelFilter.From(_options.Channels), new ReaderOptions());
        foreach (var dir in _options.SpoolDirectories) Directory.CreateDirectory(dir);
    }

    private async Task ScanAsync(string directory, CancellationToken ct)
    {
        if (!Directory.Exists(directory)) return;
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            var name = Path.GetFileName(file);
            if (name.StartsWith('.')) continue;
            var ext = Path.GetExtension(file);
            try
            {
                if (WholeFiles.Contains(ext)) await IngestWholeFileAsync(file, ct).ConfigureAwait(false);
                else if (TailedFiles.Contains(ext)) await TailAsync(file, ct).ConfigureAwait(false);
                else if (_reportedUnsupported.Add(file))
                {
                    DeadLetter(new SourcePosition(file, null, 0), $"not a Sysmon input: extension '{ext}' is not one the worker reads", null);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException
                                           or ElasticsearchUnavailableException)
            {
                // The checkpoint did not move: the file is tried again on the next scan (a cluster that is down comes back).
                LogFileError(file, ex.Message);
            }
        }
    }

    private async Task IngestWholeFileAsync(string file, CancellationToken ct)
    {
        var info = new FileInfo(file);
        var checkpoint = _checkpoints!.For(file);
        var ticks = info.LastWriteTimeUtc.Ticks;
        if (checkpoint.Done && checkpoint.Length == info.Length && checkpoint.LastWriteTicks == ticks) return;
        // A file still being copied in is left alone until it has stopped changing for SettleTime.
        if (!_settling.TryGetValue(file, out var seen) || seen.Length != info.Length || seen.Ticks != ticks)
        {
            _settling[file] = (info.Length, ticks, DateTime.UtcNow);
            return;
        }
        if (DateTime.UtcNow - seen.Since < _options.SettleTime) return;
        _settling.Remove(file);
        var results = _source!.ReadAsync(new InputFile(file, info.Length), new RunSummary(), ct);
        var stored = await StoreAsync(results, baseOffset: 0, ct).ConfigureAwait(false);
        checkpoint.Length = info.Length;
        checkpoint.LastWriteTicks = ticks;
        checkpoint.Done = true;
        _checkpoints.Save();
        LogIngested(file, stored);
    }

    private async Task TailAsync(string file, CancellationToken ct)
    {
        var checkpoint = _checkpoints!.For(file);
        var info = new FileInfo(file);
        if (info.Length < checkpoint.Offset)
        {
            LogTruncated(file, checkpoint.Offset, info.Length);
            checkpoint.Offset = 0;
        }
        if (info.Length == checkpoint.Offset) return;
        var ticks = info.LastWriteTimeUtc.Ticks;
        var settled = _settling.TryGetValue(file, out var seen) && seen.Length == info.Length && seen.Ticks == ticks &&
                      DateTime.UtcNow - seen.Since >= _options.SettleTime;
        if (!_settling.TryGetValue(file, out seen) || seen.Length != info.Length || seen.Ticks != ticks)
        {
            _settling[file] = (info.Length, ticks, DateTime.UtcNow);
        }

        var length = (int)Math.Min(info.Length - checkpoint.Offset, _options.MaxReadBytes);
        var bytes = new byte[length];
        await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            stream.Seek(checkpoint.Offset, SeekOrigin.Begin);
            length = await stream.ReadAtLeastAsync(bytes, length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        }
        var format = Ingest.Reading.FormatSniffer.ByExtension(file) == InputFormat.Json ? InputFormat.Json : InputFormat.Text;
        // Only whole records are taken: JSON up to the last line end, text up to the last blank line. What follows
        // is taken once the file has stopped growing and the read reaches its end (a last record without a
        // terminator); a read that stops short of the end (MaxReadBytes) never cuts a record, even in a settled file.
        var reachesEnd = checkpoint.Offset + length >= info.Length;
        var boundary = settled && reachesEnd ? length : LastBoundary(bytes.AsSpan(0, length), format);
        // A whole read without any boundary is one record larger than MaxReadBytes: taken (and rejected) rather
        // than waited for forever.
        if (boundary <= 0 && length == _options.MaxReadBytes) boundary = length;
        if (boundary <= 0) return;
        IEventReader reader = format == InputFormat.Json ? new JsonEventReader() : new MessageTextReader();
        var results = reader.ReadAsync(new MemoryStream(bytes, 0, boundary, writable: false), file, new ReaderOptions(), ct);
        var stored = await StoreAsync(results, checkpoint.Offset, ct).ConfigureAwait(false);
        checkpoint.Offset += boundary;
        _checkpoints.Save();
        if (stored > 0) LogIngested(file, stored);
    }

    private static int LastBoundary(ReadOnlySpan<byte> data, InputFormat format)
    {
        if (format == InputFormat.Json) return data.LastIndexOf((byte)'\n') + 1;
        var blank = data.LastIndexOf("\n\n"u8);
        var crlf = data.LastIndexOf("\n\r\n"u8);
        return Math.Max(blank < 0 ? 0 : blank + 2, crlf < 0 ? 0 : crlf + 3);
    }

    // Maps and stores what a reader yields, in batches, and flushes the sink: when it returns, everything read is
    // stored (the caller checkpoints next). Rejects go to the dead letters. Returns documents stored.
    private async Task<long> StoreAsync(IAsyncEnumerable<ReadResult> results, long baseOffset, CancellationToken ct)
    {
        var batch = new List<EcsDocument>(_options.BatchSize);
        long stored = 0;
        await foreach (var r in results.ConfigureAwait(false))
        {
            if (r.Event is { } e)
            {
                if (!_source!.Channels.Accepts(e)) continue;
                if (baseOffset > 0) e.Position = e.Position with { Offset = baseOffset + (e.Position.Offset ?? 0), Line = null };
                try
                {
                    batch.Add(_mapper!.Map(e));
                }
                catch (MappingException ex)
                {
                    DeadLetter(e.Position, ex.Message, string.Join("; ", e.Data.Select(kv => $"{kv.Key}={kv.Value}")));
                }
                if (batch.Count >= _options.BatchSize)
                {
                    stored += await WriteAsync(batch, ct).ConfigureAwait(false);
                }
            }
            else if (r.Rejected is { } rejected)
            {
                var position = baseOffset > 0 ? rejected.Position with { Offset = baseOffset + (rejected.Position.Offset ?? 0), Line = null } : rejected.Position;
                DeadLetter(position, rejected.Reason, rejected.Excerpt);
            }
            else if (r.Ignored is { } ignored)
            {
                // In a spool directory everything is meant to be Sysmon: ignored input is reported, not dropped.
                DeadLetter(ignored.Position, ignored.Reason, null);
            }
        }
        stored += await WriteAsync(batch, ct).ConfigureAwait(false);
        return stored + Stored(await _sink!.FlushAsync(ct).ConfigureAwait(false));
    }

    private async Task<long> WriteAsync(List<EcsDocument> batch, CancellationToken ct)
    {
        if (batch.Count == 0) return 0;
        var result = await _sink!.WriteAsync(batch, ct).ConfigureAwait(false);
        batch.Clear();
        return Stored(result);
    }

    // What the sink stored; documents it refused (no id, no valid time, a row the store cannot read) are dead letters.
    private long Stored(SinkResult result)
    {
        foreach (var r in result.Rejected ?? []) DeadLetter(r.ToRejectedRecord());
        return result.Stored;
    }

    private void DeadLetter(SourcePosition position, string reason, string? excerpt) => DeadLetter(new RejectedRecord(position, reason, excerpt));

    private void DeadLetter(RejectedRecord record)
    {
        _deadLetters!.Write(record);
        _deadLetters.Flush();
        LogRejected(record.Position.ToString(), record.Reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "watching {Directories}; storing into {Store}")]
    private partial void LogStarted(string directories, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ALERT {Host} event {Code}: {Field} {Atomic} matches feed {Feed}")]
    private partial void LogAlert(string host, string code, string field, string atomic, string feed);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped; state saved")]
    private partial void LogStopped();

    [LoggerMessage(Level = LogLevel.Critical, Message = "cannot start: {Reason}")]
    private partial void LogCannotStart(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{File}: {Stored} new event(s) stored")]
    private partial void LogIngested(string file, long stored);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{File}: shrank from {Offset} to {Length} bytes (rotated or truncated); reading it from the start")]
    private partial void LogTruncated(string file, long offset, long length);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rejected {Position}: {Reason}")]
    private partial void LogRejected(string position, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{File}: {Reason}")]
    private partial void LogFileError(string file, string reason);
}
