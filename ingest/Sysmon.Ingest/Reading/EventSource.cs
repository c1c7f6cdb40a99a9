using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using Sysmon.Ingest.Csv;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Evtx;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading.Compressed;
using Sysmon.Ingest.Text;
using Sysmon.Ingest.Xml;

namespace Sysmon.Ingest.Reading;

/// <summary>
/// Opens one input, decides its format (sniffed from content unless forced), picks the reader and applies the
/// channel filter. Everything that reads files goes through here, so every command gets every format, compressed
/// (.gz) or in an archive (.zip, .tar, .tar.gz) too.
/// </summary>
public sealed class EventSource(InputFormat forcedFormat, ChannelFilter channels, ReaderOptions options,
    long maxSpooledZipBytes = ZipInput.MaxSpooledBytes)
{
    // gzip inside tar inside gzip is a collection; deeper is a decompression bomb (a gzip quine never ends).
    private const int MaxNesting = 4;

    private readonly Dictionary<InputFormat, IEventReader> _readers = new()
    {
        [InputFormat.Xml] = new XmlEventReader(),
        [InputFormat.Json] = new JsonEventReader(),
        [InputFormat.Text] = new MessageTextReader(),
        [InputFormat.Evtx] = new EvtxEventReader(),
        [InputFormat.Csv] = new CsvEventReader(),
    };

    public ChannelFilter Channels => channels;

    /// <summary>Registers the reader of a format (EVTX comes from its own folder).</summary>
    public void Use(IEventReader reader) => _readers[reader.Format] = reader;

    public async IAsyncEnumerable<ReadResult> ReadAsync(InputFile file, RunSummary summary,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        Stream stream;
        try
        {
            stream = new ReadCountingStream(file.IsStdin
                ? Console.OpenStandardInput()
                : new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16,
                    FileOptions.SequentialScan | FileOptions.Asynchronous), summary.AddBytesRead);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            summary.UnreadableFiles.Add($"{file.Path}: {ex.Message}");
            yield break;
        }
        await using var owned = stream;
        var head = await ReadHeadAsync(stream, ct).ConfigureAwait(false);
        if (ZipInput.IsZip(head.Span) && !file.IsStdin)
        {
            await foreach (var r in ReadZipAsync(file, head.Length, summary, ct).ConfigureAwait(false)) yield return r;
            yield break;
        }
        var trailer = !file.IsStdin && GzipInput.IsGzip(head.Span) ? GzipInput.TrailerSize(file.Path) : null;
        await foreach (var r in ReadContentAsync(new PrefixedStream(head, stream), head, file.Path, file.Path, trailer, 0, summary, ct)
                           .ConfigureAwait(false))
        {
            yield return r;
        }
    }

    // One file's bytes, or an archive entry's: unwrapped if compressed or an archive, else read by its format's reader.
    // Positions name `path`; `name` is what the content was called (the extension breaks format ties).
    private async IAsyncEnumerable<ReadResult> ReadContentAsync(Stream body, ReadOnlyMemory<byte> head, string path, string name,
        uint? gzipTrailer, int depth, RunSummary summary, [EnumeratorCancellation] CancellationToken ct)
    {
        if ((GzipInput.IsGzip(head.Span) || TarInput.IsTar(head.Span) || ZipInput.IsZip(head.Span)) && depth >= MaxNesting)
        {
            yield return ReadResult.Reject(new SourcePosition(path, null, 0), $"compressed more than {MaxNesting} levels deep: not read");
            yield break;
        }
        if (GzipInput.IsGzip(head.Span))
        {
            await using var inflated = DecompressedStream.Gzip(body);
            await foreach (var r in ReadUnwrappedAsync(inflated, path, GzipInput.InnerName(name), depth, summary, ct).ConfigureAwait(false))
            {
                yield return r;
            }
            if (gzipTrailer is not null && await inflated.DrainAsync(ct).ConfigureAwait(false) &&
                GzipInput.LooksTruncated(gzipTrailer, inflated.Decompressed))
            {
                yield return ReadResult.Reject(new SourcePosition(path, null, inflated.Decompressed),
                    $"gzip file ends early: {inflated.Decompressed:N0} bytes decompressed, its trailer gives {gzipTrailer:N0}; " +
                    "it looks truncated (copied while being written?), and what followed is not in it");
            }
            yield break;
        }
        if (TarInput.IsTar(head.Span))
        {
            await foreach (var r in ReadEntriesAsync(TarInput.EntriesAsync(body, ct), path, depth, summary, null, ct).ConfigureAwait(false))
            {
                yield return r;
            }
            yield break;
        }
        if (ZipInput.IsZip(head.Span))
        {
            // A zip's directory is at its end: it needs a file to seek in, which stdin or a stream inside another archive
            // is not. So it is copied to a temporary file first.
            FileStream? spooled = null;
            string? problem = null;
            try
            {
                spooled = await ZipInput.SpoolAsync(body, maxSpooledZipBytes, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CorruptInputException)
            {
                problem = ex is CorruptInputException ? ex.Message : $"zip archive not copied to a temporary file: {ex.Message}";
            }
            if (spooled is null)
            {
                yield return ReadResult.Reject(new SourcePosition(path, null, 0), problem!);
                yield break;
            }
            await foreach (var r in ReadZipAsync(spooled, path, depth, summary, null, ct).ConfigureAwait(false)) yield return r;
            yield break;
        }
        if (UnsupportedCompression.Reason(head.Span) is { } unsupported)
        {
            yield return ReadResult.Reject(new SourcePosition(path, null, 0), unsupported);
            yield break;
        }
        await foreach (var r in ReadEventsAsync(body, head, path, name, summary, ct).ConfigureAwait(false)) yield return r;
    }

    // What a decompressor or an archive entry gives, from its own first bytes on (damage met there is a dead letter).
    private async IAsyncEnumerable<ReadResult> ReadUnwrappedAsync(Stream data, string path, string name, int depth,
        RunSummary summary, [EnumeratorCancellation] CancellationToken ct)
    {
        ReadOnlyMemory<byte> head = default;
        string? problem = null;
        try
        {
            head = await ReadHeadAsync(data, ct).ConfigureAwait(false);
        }
        catch (CorruptInputException ex)
        {
            problem = ex.Message;
        }
        if (problem is not null)
        {
            yield return ReadResult.Reject(new SourcePosition(path, null, (data as DecompressedStream)?.Decompressed ?? 0), problem);
            yield break;
        }
        await foreach (var r in ReadContentAsync(new PrefixedStream(head, data), head, path, name, null, depth + 1, summary, ct)
                           .ConfigureAwait(false))
        {
            yield return r;
        }
    }

    private async IAsyncEnumerable<ReadResult> ReadZipAsync(InputFile file, int headLength, RunSummary summary,
        [EnumeratorCancellation] CancellationToken ct)
    {
        FileStream? stream = null;
        string? problem = null;
        try
        {
            stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"not a readable zip archive: {ex.Message}";
        }
        if (stream is null)
        {
            yield return ReadResult.Reject(new SourcePosition(file.Path, null, 0), problem!);
            yield break;
        }
        var progress = new ZipProgress(summary.AddBytesRead, headLength);
        await foreach (var r in ReadZipAsync(stream, file.Path, 0, summary, progress, ct).ConfigureAwait(false)) yield return r;
        progress.Finish(file.Length);
    }

    // The entries of a zip in a seekable file (which this closes); `depth` is the zip's own nesting.
    private async IAsyncEnumerable<ReadResult> ReadZipAsync(FileStream zip, string path, int depth, RunSummary summary,
        ZipProgress? progress, [EnumeratorCancellation] CancellationToken ct)
    {
        ZipArchive? archive = null;
        string? problem = null;
        try
        {
            archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: false);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            problem = $"not a readable zip archive (copied while being written?): {ex.Message}";
            await zip.DisposeAsync().ConfigureAwait(false);
        }
        if (archive is null)
        {
            yield return ReadResult.Reject(new SourcePosition(path, null, 0), problem!);
            yield break;
        }
        using (archive)
        {
            await foreach (var r in ReadEntriesAsync(ZipInput.Entries(archive).ToAsyncEnumerable(), path, depth, summary, progress, ct)
                               .ConfigureAwait(false))
            {
                yield return r;
            }
        }
    }

    private async IAsyncEnumerable<ReadResult> ReadEntriesAsync(IAsyncEnumerable<ArchiveEntry> entries, string archive, int depth,
        RunSummary summary, ZipProgress? progress, [EnumeratorCancellation] CancellationToken ct)
    {
        var skipped = 0;
        await foreach (var entry in entries.ConfigureAwait(false))
        {
            try
            {
                // The jar-URL convention: the archive, "!/", the path inside it.
                var path = archive + "!/" + (entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name).TrimStart('/');
                if (entry.Skipped)
                {
                    skipped++;
                    continue;
                }
                if (entry.Problem is { } problem)
                {
                    yield return ReadResult.Reject(new SourcePosition(path, null, 0), problem);
                    continue;
                }
                await using var data = entry.Data!;
                if (data is DecompressedStream inflated && progress is not null) inflated.OnRead = n => progress.Within(entry, n);
                await foreach (var r in ReadUnwrappedAsync(data, path, entry.Name, depth, summary, ct).ConfigureAwait(false)) yield return r;
            }
            finally
            {
                // Read, skipped or refused: the entry's share of the file is done.
                progress?.Done(entry);
            }
        }
        if (skipped > 0) summary.Warnings.Add($"{archive}: {skipped} file(s) in the archive with unknown extensions skipped");
    }

    // A file's (or entry's) events, read by its format's reader, with the channel filter applied. Damaged compressed
    // data ends the reading with a dead letter; the events before it stand.
    private async IAsyncEnumerable<ReadResult> ReadEventsAsync(Stream body, ReadOnlyMemory<byte> head, string path, string name,
        RunSummary summary, [EnumeratorCancellation] CancellationToken ct)
    {
        var format = forcedFormat == InputFormat.Auto ? FormatSniffer.Sniff(head.Span, name) : forcedFormat;
        summary.CountFormat(format);
        if (format != InputFormat.Evtx && FormatSniffer.Utf16Encoding(head.Span) is { } utf16)
        {
            body = Encoding.CreateTranscodingStream(body, utf16, Encoding.UTF8, leaveOpen: false);
        }
        if (!_readers.TryGetValue(format, out var reader))
        {
            yield return ReadResult.Reject(new SourcePosition(path, null, 0), $"{format} input is not supported by this build", null);
            yield break;
        }
        var sawAny = false;
        var accepted = 0L;
        await using var results = reader.ReadAsync(body, path, options, ct).GetAsyncEnumerator(ct);
        while (true)
        {
            ReadResult result;
            CorruptInputException? damaged = null;
            try
            {
                if (!await results.MoveNextAsync().ConfigureAwait(false)) break;
                result = results.Current;
            }
            catch (CorruptInputException ex)
            {
                (result, damaged) = (default, ex);
            }
            if (damaged is not null)
            {
                yield return ReadResult.Reject(new SourcePosition(path, null, damaged.Offset), damaged.Message);
                break;
            }
            if (result.Event is { } e)
            {
                sawAny = true;
                if (!channels.Accepts(e))
                {
                    summary.CountSkippedChannel(e.Channel ?? e.Provider ?? "(none)");
                    continue;
                }
                accepted++;
            }
            yield return result;
        }
        if (sawAny && accepted == 0 && !channels.IsAll)
        {
            summary.Warnings.Add($"{path}: no records of channel {channels.Describe()} (is this a Sysmon log?)");
        }
    }

    private static async ValueTask<ReadOnlyMemory<byte>> ReadHeadAsync(Stream stream, CancellationToken ct)
    {
        var head = new byte[FormatSniffer.SniffBytes];
        var total = 0;
        while (total < head.Length)
        {
            var n = await stream.ReadAsync(head.AsMemory(total), ct).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return head.AsMemory(0, total);
    }
}
