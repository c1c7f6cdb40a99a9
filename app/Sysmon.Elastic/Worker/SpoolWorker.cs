using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
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
/// The long-running ingest worker: watches spool directories; whole-file inputs (.evtx, .xml, .csv, and compressed files
/// and archives: .gz, .tgz, .tar, .zip) are ingested once they stop changing; line-oriented inputs (.json, .ndjson,
/// .jsonl, .log, .txt, and their rotated names) are tailed. A file's checkpoint moves only after the batch holding its
/// records is stored, so a restart, a crash or kill -9 loses nothing, and replayed records are recognised by their
/// deterministic ids.
/// </summary>
public sealed partial class SpoolWorker(IOptions<WorkerOptions> options, IHostApplicationLifetime lifetime, IServiceProvider services,
    ILogger<SpoolWorker> log) : BackgroundService
{
    private static readonly HashSet<string> WholeFiles = new(StringComparer.OrdinalIgnoreCase) { ".evtx", ".xml", ".csv", ".gz", ".tgz", ".tar", ".zip" };
    private static readonly HashSet<string> TailedFiles = new(StringComparer.OrdinalIgnoreCase) { ".json", ".ndjson", ".jsonl", ".log", ".txt" };

    // What rotation appends to a name: a number (logrotate, NXLog: sysmon.json.1) or a date (dateext: sysmon.json-20261205).
    [GeneratedRegex(@"[.-][0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex RotationSuffix();

    // A tailed file's name after rotation: a tailed extension before the suffix.
    private static bool IsRotatedTailed(string name) =>
        RotationSuffix().Match(name) is { Success: true } suffix && TailedFiles.Contains(Path.GetExtension(name[..suffix.Index]));

    private readonly DepartedFiles _departed = new();

    private readonly WorkerOptions _options = options.Value;
    private readonly Dictionary<string, (long Length, long Ticks, DateTime Since)> _settling = new(StringComparer.Ordinal);

    // The write time of each tailed file when it was last found read to its end (its head checked then).
    private readonly Dictionary<string, long> _readToEnd = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reportedUnsupported = new(StringComparer.Ordinal);

    // Linked directories in a spool, said once each: they are not entered (a link to a parent listed every file again
    // at each depth, until the system's limit on nested links).
    private readonly HashSet<string> _reportedLinks = new(StringComparer.Ordinal);
    private IEventSink? _sink;
    private Func<IEventSink>? _createSink;
    private DeadLetterWriter? _deadLetters;
    private CheckpointStore? _checkpoints;
    private EcsMapper? _mapper;
    private EventSource? _source;
    // What was read since the last commit: each piece's checkpoint moves only once the sink has stored it.
    private readonly List<(string File, Action Advance, long Events)> _uncommitted = [];
    private long _uncommittedEvents;
    private long _pendingStored;
    private bool _unflushed;

    /// <summary>Events read before the worker stores and checkpoints them even in the middle of a scan (bounds what
    /// a crash makes it read again).</summary>
    private const long EventsPerCommit = 250_000;

    // Failures of a file or the state file that the next scan may not meet again (a file locked or gone): what they
    // interrupted is not checkpointed, so it is simply read again. The store's own failures are StoreWriteException.
    private static bool IsRetryLater(Exception ex) => ex is IOException or UnauthorizedAccessException;

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
                var behind = false;
                if (YieldsToWaitingProcess())
                {
                    await Task.Delay(_options.PollInterval, stoppingToken).ConfigureAwait(false);
                    continue;
                }
                try
                {
                    foreach (var directory in _options.SpoolDirectories)
                    {
                        behind |= await ScanAsync(directory, stoppingToken).ConfigureAwait(false);
                        if (_scanInterrupted) break;
                    }
                    // The wait after failures grows until the store takes a write again (a scan may write nothing).
                    if (await CommitAsync(stoppingToken).ConfigureAwait(false)) _storeFailures = 0;
                    _deadLetters!.Flush(); // rejections outside any piece (a file of an unknown kind) show at once too
                    if (!behind) ReleaseStoreWhenIdle();
                }
                catch (StoreWriteException ex) when (!ex.NeedsRestart)
                {
                    // Nothing read since the last commit is checkpointed: it is all read again, once the wait is over.
                    var wait = await ForgetUncommittedAsync(grow: !ex.HeldByAnotherProcess).ConfigureAwait(false);
                    LogStoreRetry(ex.Message, wait);
                    await Task.Delay(wait, stoppingToken).ConfigureAwait(false);
                    continue;
                }
                catch (Exception ex) when (IsRetryLater(ex))
                {
                    // The state file could not be saved: the checkpoints are saved again at the next commit.
                    LogCommitRetry(ex.Message);
                }
                // A file left with more to read (a backlog) is read on at once, not after the poll interval.
                if (!behind) await Task.Delay(_options.PollInterval, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (StoreWriteException ex)
        {
            // A supervisor (docker's restart policy, systemd) starts the worker again; it resumes from the checkpoints.
            await ForgetUncommittedAsync(replaceSink: false).ConfigureAwait(false);
            LogStoreLost(ex.Message);
            Environment.ExitCode = ExitCodes.StoreUnreachable;
            lifetime.StopApplication();
        }
        catch (Exception ex)
        {
            // Without this the host logs the failure and still exits 0, which a supervisor takes for a clean stop.
            LogFailed(ex);
            Environment.ExitCode = ExitCodes.InternalError;
            lifetime.StopApplication();
        }
        finally
        {
            // Stopping: what was read whole is stored and checkpointed; a piece cut short by the stop is stored as far
            // as it went (its checkpoint stays, so it is read again and its stored events skipped as duplicates).
            await CommitOnStopAsync().ConfigureAwait(false);
            _checkpoints?.Save();
            _deadLetters?.Dispose();
            await DisposeSinkAsync().ConfigureAwait(false);
            LogStopped();
        }
    }

    private int _storeFailures;

    private Store? _store;
    private DateTime _lastWrite = DateTime.UtcNow; // of the last flush to the store (CommitAsync)

    // DuckDB lets one process open a file: held while the worker runs, it kept `query`, `hunt` and every DuckDB client
    // out. Once nothing has been stored for ReleaseStoreAfter the file is let go; the next write (or a scheduled hunt,
    // a feed refresh) attaches it again, and a client holding it then makes that write wait as a failed one does.
    private void ReleaseStoreWhenIdle()
    {
        if (_options.ReleaseStoreAfter <= TimeSpan.Zero || DateTime.UtcNow - _lastWrite < _options.ReleaseStoreAfter) return;
        try
        {
            if (_store!.Release()) LogStoreReleased(_options.ReleaseStoreAfter.TotalSeconds);
        }
        catch (Exception ex) when (StoreErrors.Is(ex))
        {
            LogStoreNotReleased(ex.Message); // it stays attached; the next idle scan tries again
        }
    }

    private bool _yielding;

    // Set once a scan stops for a waiting process; cleared at the top of the loop, which then lets the file go.
    private bool _scanInterrupted;
    private long _nextWaitCheck; // Environment.TickCount64

    // Within a long scan (a backlog of many files, or a long tailed file): true once another process waits for the file,
    // looked at no more than twice a second (a directory listing each time). The scan stops there, what it read is
    // committed, and the loop's top lets the file go. Looked at only between scans, a query waited for the whole backlog
    // (7-8 s for 200,000 events) and was refused past 20 s. Within a whole file see LetWaitingProcessInAsync.
    private bool WaitingProcessInterruptsScan()
    {
        if (_scanInterrupted) return true;
        if (_options.ReleaseStoreAfter <= TimeSpan.Zero) return false; // told to hold the file for as long as it runs
        var now = Environment.TickCount64;
        if (now < _nextWaitCheck) return false;
        _nextWaitCheck = now + 500;
        return _scanInterrupted = _store!.OtherProcessWaiting();
    }

    // Another process waits for the file (DuckDbFileRequest, raised by query, hunt, lineage, ingest, feeds). A worker
    // tailing a live log never idles for ReleaseStoreAfter, so it lets the file go at once and reads nothing more until
    // that process is done: what arrives meanwhile waits in the spool. Everything read before was committed at the end
    // of the last scan.
    private bool YieldsToWaitingProcess()
    {
        _scanInterrupted = false;
        if (_options.ReleaseStoreAfter <= TimeSpan.Zero) return false; // told to hold the file for as long as it runs
        _nextWaitCheck = Environment.TickCount64 + 500; // just looked: the scan that follows need not look again at once
        if (!_store!.OtherProcessWaiting())
        {
            if (_yielding) LogWaitingProcessDone();
            _yielding = false;
            return false;
        }
        try
        {
            // Called at every poll while the other process waits: a scheduled hunt or feed refresh may have attached it again.
            if (_store.Release() || !_yielding) LogYieldedToWaitingProcess();
        }
        catch (Exception ex) when (StoreErrors.Is(ex))
        {
            LogStoreNotReleased(ex.Message);
        }
        _yielding = true;
        return true;
    }

    // A whole file (an .evtx, an archive) is checkpointed only at its end, and a large one takes minutes to read: a query
    // waited for all of it and was refused past its lock_wait (20 s). Within one, the worker lets the file go once the
    // load under way has ended, and reads on from where it was once the other process is done. What the sink still holds
    // is stored later (flushing it first cost the waiting process a load of up to 131,072 rows, 2-4 s); the file's
    // checkpoint does not move, so after a crash it is read again from its start and what was stored is skipped.
    private async Task LetWaitingProcessInAsync(CancellationToken ct)
    {
        _pendingStored += Stored(await OnStoreAsync(() => _sink!.SettleAsync(ct)).ConfigureAwait(false));
        while (YieldsToWaitingProcess()) await Task.Delay(_options.PollInterval, ct).ConfigureAwait(false);
    }

    // After a failed write: what was read since the last commit is dropped (its checkpoints have not moved), and so is
    // the sink with what it still held; a new one takes the next attempt. Returns how long to wait before it: longer
    // after each failure in a row, except while another process holds the file (a DuckDB shell, a long query), where
    // the next try should come soon after it lets go, not minutes later.
    private async Task<TimeSpan> ForgetUncommittedAsync(bool replaceSink = true, bool grow = true)
    {
        _uncommitted.Clear();
        _uncommittedEvents = 0;
        _pendingStored = 0;
        _unflushed = false;
        await DisposeSinkAsync().ConfigureAwait(false);
        if (replaceSink) _sink = CreateSink();
        if (!grow) return _options.StoreRetryDelay;
        var wait = _options.StoreRetryDelay * Math.Pow(2, Math.Min(_storeFailures++, 16));
        return wait < WorkerOptions.MaxStoreRetryDelay ? wait : WorkerOptions.MaxStoreRetryDelay;
    }

    private async Task DisposeSinkAsync()
    {
        if (_sink is not { } sink) return;
        _sink = null;
        try
        {
            await sink.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (StoreErrors.Is(ex))
        {
            // a load that was still running failed too; it was part of what is read again
        }
    }

    private async Task StartAsync()
    {
        if (_options.SpoolDirectories.Count == 0) _options.SpoolDirectories.Add("./spool");
        if (_options.MaxReadBytes < 64 * 1024)
        {
            throw new UsageException($"Worker:MaxReadBytes is {_options.MaxReadBytes}; it must be at least 65536 (bytes read from a tailed file at a time)");
        }
        if (_options.MaxRecordBytes < _options.MaxReadBytes)
        {
            throw new UsageException($"Worker:MaxRecordBytes is {_options.MaxRecordBytes}; it must be at least Worker:MaxReadBytes ({_options.MaxReadBytes})");
        }
        if (_options.BatchSize < 1) throw new UsageException($"Worker:BatchSize is {_options.BatchSize}; it must be at least 1 (documents mapped and tagged at a time)");
        if (_options.PollInterval <= TimeSpan.Zero)
        {
            throw new UsageException($"Worker:PollInterval is {_options.PollInterval}; it must be positive (how often the spool is looked at, e.g. 00:00:01)");
        }
        var channels = UsageException.From(() => ChannelFilter.From(_options.Channels), "Worker:Channels: ");
        if (_options.SettleTime < TimeSpan.Zero) throw new UsageException($"Worker:SettleTime is {_options.SettleTime}; it must not be negative");
        if (_options.StoreRetryDelay <= TimeSpan.Zero)
        {
            throw new UsageException($"Worker:StoreRetryDelay is {_options.StoreRetryDelay}; it must be positive (the wait after the store failed, e.g. 00:00:05)");
        }
        var store = services.GetRequiredService<Store>();
        _store = store;
        var indicators = services.GetRequiredService<IIndicatorStore>();
        var holder = services.GetRequiredService<IndicatorSetHolder>();
        var registry = services.GetRequiredService<FeedRegistry>();
        // Indicators already stored match from the first event on; the feed job refreshes and swaps the set.
        holder.Swap(await indicators.LoadSetAsync(registry.AllowList, registry.MatchParentDomains, CancellationToken.None).ConfigureAwait(false));
        if (holder.Current.Skipped.Warning is { } skipped) LogIndicatorsSkipped(skipped);
        // Bulk: DuckDB loads large files in a few big statements instead of one per batch of BatchSize (a 41 MB JSON
        // file went at a third of `ingest`'s speed). Nothing is checkpointed before CommitAsync's flush has stored it.
        _createSink = () => new TaggingSink(store.CreateEventSink(SinkMode.Bulk), new EventTagger(() => holder.Current), indicators,
            a => LogAlert(a.Host ?? "", a.EventCode ?? "", a.MatchedField, a.MatchedAtomic, a.Feed));
        _sink = CreateSink();
        _deadLetters = new DeadLetterWriter(_options.DeadLetter);
        _checkpoints = new CheckpointStore(_options.StateFile);
        _checkpoints.Load();
        _mapper = new EcsMapper(new EcsMapperOptions { HostName = _options.HostName, PublicSuffixes = PublicSuffixList.TryLoad() });
        _source = new EventSource(InputFormat.Auto, channels, new ReaderOptions());
        foreach (var dir in _options.SpoolDirectories) Directory.CreateDirectory(dir);
    }

    private IEventSink CreateSink() => _createSink!();

    // True when a tailed file has more to read than this scan took.
    private async Task<bool> ScanAsync(string directory, CancellationToken ct)
    {
        if (!Directory.Exists(directory)) return false;
        var behind = false;
        string[] files;
        try
        {
            var linked = new List<string>();
            files = [.. DirectoryWalk.Files(directory, linked)];
            foreach (var link in linked)
            {
                if (_reportedLinks.Add(link)) LogLinkNotFollowed(link);
            }
        }
        catch (Exception ex) when (IsRetryLater(ex))
        {
            // A subdirectory removed while it was listed, say: the next scan lists it again.
            LogFileError(directory, ex.Message);
            return false;
        }
        ForgetGone(directory, files);
        // Files read before go first: one that left its name (rotated, truncated) departs before a file new to the
        // worker is looked at. In name order alone, a rotated copy whose name sorts before the live one
        // (sysmon-20261205.json before sysmon.json) was read from its start, its stored records skipped one by one.
        var known = _checkpoints!.Files;
        files = [.. files.OrderBy(f => !known.ContainsKey(f))]; // a stable sort: name order within each part
        foreach (var file in files)
        {
            ct.ThrowIfCancellationRequested();
            // Only a scan that has read something is worth cutting short; an idle one ends in milliseconds anyway.
            if (_uncommittedEvents > 0 && WaitingProcessInterruptsScan()) return true;
            var name = Path.GetFileName(file);
            if (name.StartsWith('.')) continue;
            var ext = Path.GetExtension(file);
            try
            {
                if (WholeFiles.Contains(ext)) await IngestWholeFileAsync(file, ct).ConfigureAwait(false);
                else if (TailedFiles.Contains(ext) || IsRotatedTailed(name)) behind |= await TailAsync(file, ct).ConfigureAwait(false);
                else if (_reportedUnsupported.Add(file))
                {
                    DeadLetter(new SourcePosition(file, null, 0), $"not a Sysmon input: extension '{ext}' is not one the worker reads", null);
                }
            }
            catch (Exception ex) when (IsRetryLater(ex))
            {
                // The checkpoint did not move: the file is tried again on the next scan.
                LogFileError(file, ex.Message);
            }
        }
        return behind;
    }

    // Files no longer in the directory (archived, deleted) leave the state file and the worker's memory: the state
    // file, rewritten at every commit, grew with every file the spool ever held (5,000 files: 685 KB a commit).
    private void ForgetGone(string directory, string[] files)
    {
        var present = new HashSet<string>(files, StringComparer.Ordinal);
        var prefix = Path.EndsInDirectorySeparator(directory) ? directory : directory + Path.DirectorySeparatorChar;
        bool Gone(string file) => file.StartsWith(prefix, StringComparison.Ordinal) && !present.Contains(file);
        foreach (var departed in _checkpoints!.Forget(Gone)) _departed.Add(departed);
        foreach (var file in _settling.Keys.Where(Gone).ToList()) _settling.Remove(file);
        foreach (var file in _readToEnd.Keys.Where(Gone).ToList()) _readToEnd.Remove(file);
        _reportedUnsupported.RemoveWhere(Gone);
    }

    private async Task IngestWholeFileAsync(string file, CancellationToken ct)
    {
        var info = new FileInfo(file);
        var checkpoint = _checkpoints!.For(file);
        var ticks = info.LastWriteTimeUtc.Ticks;
        if (checkpoint.Done && checkpoint.Length == info.Length && checkpoint.LastWriteTicks == ticks) return;
        // Nothing to read yet. A named pipe or a device shows no length either, and opening a pipe with no writer
        // blocked the worker's scan for good (and with it every other file, and its stop).
        if (info.Length == 0) return;
        // A file still being copied in is left alone until it has stopped changing for SettleTime.
        if (!_settling.TryGetValue(file, out var seen) || seen.Length != info.Length || seen.Ticks != ticks)
        {
            _settling[file] = (info.Length, ticks, DateTime.UtcNow);
            return;
        }
        if (DateTime.UtcNow - seen.Since < _options.SettleTime) return;
        _settling.Remove(file);
        LogReadingWholeFile(file, info.Length / 1_048_576.0);
        var summary = new RunSummary();
        var results = _source!.ReadAsync(new InputFile(file, info.Length), summary, ct);
        var events = await WriteAllAsync(results, baseOffset: 0, ct, wholeFile: true).ConfigureAwait(false);
        // A file that could not be opened (permissions, a lock) is not done: it is tried again at the next scan.
        if (summary.UnreadableFiles.Count > 0) throw new IOException(summary.UnreadableFiles[0]);
        // What ingest prints at the end of a run (archive entries skipped, no record of the channel) goes to the log.
        foreach (var warning in summary.Warnings) LogReadWarning(warning);
        await ReadAsync(file, events, () =>
        {
            checkpoint.Length = info.Length;
            checkpoint.LastWriteTicks = ticks;
            checkpoint.Done = true;
        }, ct).ConfigureAwait(false);
    }

    // Reads a tailed file on from its checkpoint, a piece of up to MaxReadBytes at a time, until its end or
    // EventsPerCommit events (other files get their turn); true when it has more to read. One piece per scan, with
    // the poll interval and a commit after each, caught up on a 1.47 GB file at 5,100 events/s (bench/README.md).
    private async Task<bool> TailAsync(string file, CancellationToken ct)
    {
        var checkpoint = _checkpoints!.For(file);
        var info = new FileInfo(file);
        if (info.Length < checkpoint.Offset)
        {
            LogTruncated(file, checkpoint.Offset, info.Length);
            Depart(checkpoint);
        }
        var ticks = info.LastWriteTimeUtc.Ticks;
        if (checkpoint.Done && checkpoint.Length == info.Length && checkpoint.LastWriteTicks == ticks) return false; // a UTF-16 response, read whole
        // A file read to its end is looked at again only when it was written since: one rewritten to exactly its old
        // length (rotated and refilled between two scans) was taken for unchanged, and its new records never read.
        if (info.Length == checkpoint.Offset && (checkpoint.Head is null || !WrittenSinceReadToEnd(file, ticks))) return false;
        var head = FileHead.Read(file);
        var format = TailedFormat.Of(head, file);
        // A saved _search response (curl, Kibana's Inspect) is one object whatever its number of hits: cut into
        // record-sized pieces past MaxRecordBytes, every hit after the first cut was lost. It is read in one stream
        // once it has stopped changing, as `ingest` reads it.
        var response = format.Format == InputFormat.Json && JsonEventReader.StartsSearchResponse(format.Utf16 is { } encoding
            ? Utf16Piece.ToUtf8(head.Bytes, encoding, startsFile: true) : head.Bytes);
        if (response && format.Utf16 is not null)
        {
            // UTF-16 (saved by Windows PowerShell): read whole, and whole again when it changes (stored hits are known by their ids).
            await IngestWholeFileAsync(file, ct).ConfigureAwait(false);
            return false;
        }
        if (checkpoint is { Offset: > 0, Head: { } hash } && head.Hash(checkpoint.HeadLength) != hash)
        {
            LogReplaced(file, checkpoint.Offset);
            Depart(checkpoint);
        }
        if (checkpoint is { Offset: 0, Head: null } && _departed.Take(head, info.Length) is var (offset0, head0, headLength0))
        {
            LogContinued(file, offset0);
            (checkpoint.Offset, checkpoint.Head, checkpoint.HeadLength) = (offset0, head0, headLength0);
        }
        if (info.Length == checkpoint.Offset) return false;
        var settled = _settling.TryGetValue(file, out var seen) && seen.Length == info.Length && seen.Ticks == ticks &&
                      DateTime.UtcNow - seen.Since >= _options.SettleTime;
        if (!_settling.TryGetValue(file, out seen) || seen.Length != info.Length || seen.Ticks != ticks)
        {
            _settling[file] = (info.Length, ticks, DateTime.UtcNow);
        }
        var offset = checkpoint.Offset;
        if (response)
        {
            // Pages saved after it (scroll pages appended to one file) are responses of their own: read on from the end
            // of the last read, never the whole file again.
            if (settled) await ReadResponsesAsync(file, checkpoint, head, offset, info.Length, ct).ConfigureAwait(false);
            return false;
        }
        long events = 0;
        while (offset < info.Length)
        {
            var (next, read) = await TailPieceAsync(file, checkpoint, head, format, offset, info.Length, settled, ct).ConfigureAwait(false);
            if (next == offset) return false; // no whole record yet
            offset = next;
            events += read;
            if (events >= EventsPerCommit || WaitingProcessInterruptsScan()) return offset < info.Length;
        }
        return false;
    }

    // One piece from `offset`: its whole records go to the sink and the checkpoint moves past them at the next
    // commit. Returns where the piece ended (`offset` when it held no whole record) and its events.
    private async Task<(long Next, long Events)> TailPieceAsync(string file, FileCheckpoint checkpoint, FileHead head, TailedFormat tailed,
        long offset, long fileLength, bool settled, CancellationToken ct)
    {
        var readSize = _options.MaxReadBytes;
        while (true)
        {
            var length = (int)Math.Min(fileLength - offset, readSize);
            // Pooled: a new array per read (up to MaxReadBytes, 16 MB) is large-object garbage that only a full collection frees.
            var bytes = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                {
                    stream.Seek(offset, SeekOrigin.Begin);
                    length = await stream.ReadAtLeastAsync(bytes.AsMemory(0, length), length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
                }
                // UTF-16 is read, and cut, as UTF-8 text; the cut is mapped back to the file's bytes below.
                var utf8 = tailed.Utf16 is { } utf16 ? Utf16Piece.ToUtf8(bytes.AsSpan(0, length), utf16, startsFile: offset == 0) : null;
                var text = utf8 ?? bytes;
                var textLength = utf8?.Length ?? length;
                var format = tailed.Format;
                // Only whole records are taken: JSON up to the end of its last whole object, syslog XML up to the end of
                // its last event, text up to the last blank line. What follows is taken once the file has stopped growing
                // and the read reaches its end (a last record without a terminator); a read that stops short of the end
                // never cuts a record, even in a settled file.
                var reachesEnd = offset + length >= fileLength;
                var boundary = settled && reachesEnd ? textLength : LastBoundary(text.AsSpan(0, textLength), format);
                if (boundary <= 0 && length == readSize)
                {
                    // A whole read without any boundary starts a record larger than the read: read again, twice as much,
                    // up to MaxRecordBytes; a record larger still is taken (and rejected) rather than waited for forever.
                    if (readSize < _options.MaxRecordBytes && !reachesEnd)
                    {
                        readSize = (int)Math.Min((long)readSize * 2, _options.MaxRecordBytes);
                        continue;
                    }
                    boundary = textLength;
                }
                if (boundary <= 0) return (offset, 0);
                return await ReadPieceAsync(file, checkpoint, head, format, offset, text, boundary, utf8, ct).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }

    // The whole records of a piece (`text` up to `boundary`) to the sink; the checkpoint moves past them at the next commit.
    private async Task<(long Next, long Events)> ReadPieceAsync(string file, FileCheckpoint checkpoint, FileHead head, InputFormat format,
        long offset, byte[] text, int boundary, byte[]? utf8, CancellationToken ct)
    {
        IEventReader reader = format switch
        {
            InputFormat.Json => new JsonEventReader(),
            InputFormat.Xml => new Sysmon.Ingest.Xml.XmlEventReader(),
            _ => new MessageTextReader(),
        };
        var results = reader.ReadAsync(new MemoryStream(text, 0, boundary, writable: false), file, new ReaderOptions(), ct);
        var events = await WriteAllAsync(results, offset, ct).ConfigureAwait(false);
        // Absolute, not '+= boundary': the move is applied later, at the commit.
        var next = offset + (utf8 is null ? boundary : Utf16Piece.FileBytes(utf8, boundary, startsFile: offset == 0));
        await ReadToAsync(file, checkpoint, head, next, events, ct).ConfigureAwait(false);
        return (next, events);
    }

    // A tailed file has been read up to `next` and handed to the sink: its checkpoint moves there at the next commit.
    private Task ReadToAsync(string file, FileCheckpoint checkpoint, FileHead head, long next, long events, CancellationToken ct)
    {
        // The hash of the file's head grows with the checkpoint up to HashedBytes (the head read at the scan's start
        // holds them: the file was at least this long).
        var headLength = (int)Math.Min(FileHead.HashedBytes, next);
        var hash = checkpoint.HeadLength < headLength ? head.Hash(headLength) : null;
        return ReadAsync(file, events, () =>
        {
            checkpoint.Offset = next;
            if (hash is not null) (checkpoint.Head, checkpoint.HeadLength) = (hash, headLength);
        }, ct);
    }

    // Saved search responses from `offset` to `end` in one stream (the reader steps through their hits, however many);
    // the checkpoint moves to `end` at the next commit.
    private async Task ReadResponsesAsync(string file, FileCheckpoint checkpoint, FileHead head, long offset, long end, CancellationToken ct)
    {
        LogReadingResponses(file, (end - offset) / 1_048_576.0);
        long events;
        await using (var stream = new FileRangeStream(file, offset, end))
        {
            var results = new JsonEventReader().ReadAsync(stream, file, new ReaderOptions(), ct);
            events = await WriteAllAsync(results, offset, ct, wholeFile: true).ConfigureAwait(false);
        }
        await ReadToAsync(file, checkpoint, head, end, events, ct).ConfigureAwait(false);
    }

    // The file under this name is another from now on: where the old one had got to is kept for a file that turns up
    // with its first bytes (the old one renamed, or a copy of it), and this name is read from its start.
    private void Depart(FileCheckpoint checkpoint)
    {
        _departed.Add(new FileCheckpoint { Offset = checkpoint.Offset, Head = checkpoint.Head, HeadLength = checkpoint.HeadLength });
        (checkpoint.Offset, checkpoint.Head, checkpoint.HeadLength) = (0, null, 0);
    }

    // True when the tailed file is found read to its end for the first time, or was written since it last was (and
    // notes the time). One lookup: it runs for every file at every scan.
    private bool WrittenSinceReadToEnd(string file, long ticks)
    {
        ref var seen = ref CollectionsMarshal.GetValueRefOrAddDefault(_readToEnd, file, out var known);
        if (known && seen == ticks) return false;
        seen = ticks;
        return true;
    }

    private static int LastBoundary(ReadOnlySpan<byte> data, InputFormat format)
    {
        if (format == InputFormat.Json) return JsonRecordBoundary.LastRecordEnd(data);
        if (format == InputFormat.Xml)
        {
            var end = data.LastIndexOf("</Event>"u8);
            return end < 0 ? 0 : end + "</Event>".Length;
        }
        return TextRecordBoundary.LastRecordEnd(data);
    }

    // A piece of a file has been read whole and handed to the sink: its checkpoint moves at the next commit.
    private async Task ReadAsync(string file, long events, Action advance, CancellationToken ct)
    {
        _uncommitted.Add((file, advance, events));
        _uncommittedEvents += events;
        if (_uncommittedEvents >= EventsPerCommit && await CommitAsync(ct).ConfigureAwait(false)) _storeFailures = 0;
    }

    // Stores everything handed to the sink (one flush for all the pieces read since the last commit: files loaded one
    // by one each cost a DuckDB load, and small loads rewrite the table's last row group), then moves their checkpoints
    // and saves them. A flush that fails moves nothing: the pieces are read again at the next scan. False when there was
    // nothing to store.
    private async Task<bool> CommitAsync(CancellationToken ct)
    {
        // Pieces that held nothing to store (all rejected) are committed too: left out, a file of junk was read and
        // dead-lettered again at every scan, without end (100 MB of it: 1.9 GB of dead letters in 90 s).
        if (_sink is null || (!_unflushed && _uncommitted.Count == 0)) return false;
        var pieces = _uncommitted.ToArray();
        var stored = _pendingStored;
        var flushed = _unflushed;
        _uncommitted.Clear();
        _uncommittedEvents = 0;
        _pendingStored = 0;
        _unflushed = false;
        if (flushed)
        {
            stored += Stored(await OnStoreAsync(() => _sink.FlushAsync(ct)).ConfigureAwait(false));
            _lastWrite = DateTime.UtcNow;
            foreach (var warning in _sink.TakeWarnings()) LogStoreWarning(warning);
        }
        LogRejectedUnlogged();
        if (pieces.Length == 0) return flushed;
        foreach (var piece in pieces) piece.Advance();
        // The rejected records are in the dead-letter file before the checkpoints move past them.
        _deadLetters!.Flush();
        _checkpoints!.Save();
        foreach (var piece in pieces) LogRead(piece.File, piece.Events);
        LogStored(stored, pieces.Length);
        return flushed;
    }

    private async Task CommitOnStopAsync()
    {
        try
        {
            await CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StoreWriteException or IOException or InvalidOperationException)
        {
            LogCommitFailed(ex.Message);
        }
    }

    // Maps what a reader yields and hands it to the sink in batches; rejects go to the dead letters. Nothing is
    // flushed here (CommitAsync does). Returns the documents handed over.
    private async Task<long> WriteAllAsync(IAsyncEnumerable<ReadResult> results, long baseOffset, CancellationToken ct, bool wholeFile = false)
    {
        var batch = new List<EcsDocument>(_options.BatchSize);
        long written = 0;
        var sawEvents = false;
        List<IgnoredInput>? ignoredHere = null;
        await foreach (var r in results.ConfigureAwait(false))
        {
            if (r.Event is { } e)
            {
                sawEvents = true;
                if (!_source!.Channels.Accepts(e)) continue;
                e.Position = InFile(e.Position);
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
                    written += batch.Count;
                    await WriteAsync(batch, ct).ConfigureAwait(false);
                    if (wholeFile && WaitingProcessInterruptsScan()) await LetWaitingProcessInAsync(ct).ConfigureAwait(false);
                }
            }
            else if (r.Rejected is { } rejected)
            {
                DeadLetter(InFile(rejected.Position), rejected.Reason, rejected.Excerpt);
            }
            else if (r.Ignored is { } ignored)
            {
                (ignoredHere ??= []).Add(ignored);
            }
        }
        // As ingest tells them apart: beside events, ignored input is a note (an EVTX header that undercounts its
        // chunks, a separator between pasted messages), logged; in a file or piece without any event it is all there
        // is (the wrong file, junk), and a dead letter.
        foreach (var ignored in ignoredHere ?? [])
        {
            var position = InFile(ignored.Position);
            if (sawEvents) LogNote(position, ignored.Reason);
            else DeadLetter(position, ignored.Reason, null);
        }
        written += batch.Count;
        await WriteAsync(batch, ct).ConfigureAwait(false);
        return written;

        // A piece's positions are offsets in the piece; the file's are further on by where the piece starts (its line
        // numbers are unknown).
        SourcePosition InFile(SourcePosition p) => baseOffset > 0 ? p with { Offset = baseOffset + (p.Offset ?? 0), Line = null } : p;
    }

    // A call to the sink, whose store failures are told apart from those of reading a file (StoreWriteException).
    private static async Task<SinkResult> OnStoreAsync(Func<ValueTask<SinkResult>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (StoreErrors.Is(ex))
        {
            throw new StoreWriteException(ex);
        }
    }

    // Bulk loads the sink finishes here are of pieces not committed yet: their counts show at the commit.
    private async Task WriteAsync(List<EcsDocument> batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        _unflushed = true;
        _pendingStored += Stored(await OnStoreAsync(() => _sink!.WriteAsync(batch, ct)).ConfigureAwait(false));
        batch.Clear();
    }

    // What the sink stored; documents it refused (no id, no valid time, a row the store cannot read) are dead letters.
    private long Stored(SinkResult result)
    {
        foreach (var r in result.Rejected ?? []) DeadLetter(r.ToRejectedRecord());
        return result.Stored;
    }

    private void DeadLetter(SourcePosition position, string reason, string? excerpt) => DeadLetter(new RejectedRecord(position, reason, excerpt));

    /// <summary>Rejections logged one by one between commits; the rest are counted in one line (each is in the
    /// dead-letter file): a junk file of 100 MB logged 400,000 lines.</summary>
    private const int RejectionsLoggedPerCommit = 20;

    private long _rejectionsSinceCommit;

    private void DeadLetter(RejectedRecord record)
    {
        _deadLetters!.Write(record);
        if (++_rejectionsSinceCommit <= RejectionsLoggedPerCommit) LogRejected(record.Position.ToString(), record.Reason);
    }

    private void LogRejectedUnlogged()
    {
        if (_rejectionsSinceCommit > RejectionsLoggedPerCommit) LogRejectedMore(_rejectionsSinceCommit - RejectionsLoggedPerCommit, _deadLetters!.Path);
        _rejectionsSinceCommit = 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "watching {Directories}; storing into {Store}")]
    private partial void LogStarted(string directories, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ALERT {Host} event {Code}: {Field} {Atomic} matches feed {Feed}")]
    private partial void LogAlert(string host, string code, string field, string atomic, string feed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private partial void LogIndicatorsSkipped(string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped; state saved")]
    private partial void LogStopped();

    [LoggerMessage(Level = LogLevel.Critical, Message = "cannot start: {Reason}")]
    private partial void LogCannotStart(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "nothing stored for {Seconds} s: the store's file is let go for other clients (query, hunt) until the next write")]
    private partial void LogStoreReleased(double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "another process waits for the store: its file is let go, and reading pauses until that process is done")]
    private partial void LogYieldedToWaitingProcess();

    [LoggerMessage(Level = LogLevel.Information, Message = "the waiting process is done; reading resumes")]
    private partial void LogWaitingProcessDone();

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not let the store's file go ({Reason}); tried again at the next idle scan")]
    private partial void LogStoreNotReleased(string reason);

    // A large archive takes minutes: without this line the log said nothing until it was done.
    [LoggerMessage(Level = LogLevel.Information, Message = "{File}: reading {Megabytes:0.#} MB whole; its checkpoint moves at its end")]
    private partial void LogReadingWholeFile(string file, double megabytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "{File}: reading {Megabytes:0.#} MB of saved search responses in one stream; its checkpoint moves at their end")]
    private partial void LogReadingResponses(string file, double megabytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Directory}: a linked directory in the spool, not followed (add its target to Worker:SpoolDirectories to watch it)")]
    private partial void LogLinkNotFollowed(string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "{File}: {Events} event(s) read and stored")]
    private partial void LogRead(string file, long events);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Stored} new event(s) stored from {Pieces} file(s) or part(s) of files; checkpoints saved")]
    private partial void LogStored(long stored, int pieces);

    [LoggerMessage(Level = LogLevel.Error, Message = "could not save the checkpoints ({Reason}); they are saved again at the next commit")]
    private partial void LogCommitRetry(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "the store could not take what was read ({Reason}); nothing read since the last commit is checkpointed, and it is read and offered again in {Wait}")]
    private partial void LogStoreRetry(string reason, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Critical, Message = "stopping: the store can no longer be written ({Reason}); start the worker again once the cause is fixed (e.g. disk space): it resumes from its checkpoints and loses nothing")]
    private partial void LogStoreLost(string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "stopping on an unexpected error (a defect; please report it with this log): what was read whole is stored and checkpointed first")]
    private partial void LogFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "stopping: what was read could not be stored ({Reason}); it is read again at the next start")]
    private partial void LogCommitFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{File}: its first bytes changed (replaced or rotated under the same name); reading it from the start, not from {Offset}")]
    private partial void LogReplaced(string file, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{File}: shrank from {Offset} to {Length} bytes (rotated or truncated); reading it from the start")]
    private partial void LogTruncated(string file, long offset, long length);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rejected {Position}: {Reason}")]
    private partial void LogRejected(string position, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rejected {Count} more record(s); each is in {DeadLetters}")]
    private partial void LogRejectedMore(long count, string deadLetters);

    [LoggerMessage(Level = LogLevel.Information, Message = "{File}: starts as a file that left its name did (rotated or copied); reading on from offset {Offset}")]
    private partial void LogContinued(string file, long offset);

    [LoggerMessage(Level = LogLevel.Information, Message = "note: {Position}: {Reason}")]
    private partial void LogNote(SourcePosition position, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private partial void LogReadWarning(string warning);

    [LoggerMessage(Level = LogLevel.Warning, Message = "store: {Warning}")]
    private partial void LogStoreWarning(string warning);

    [LoggerMessage(Level = LogLevel.Error, Message = "{File}: {Reason}")]
    private partial void LogFileError(string file, string reason);
}
