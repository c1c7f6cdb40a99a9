using System.Runtime.CompilerServices;
using System.Text;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Evtx;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Text;
using Sysmon.Ingest.Xml;

namespace Sysmon.Ingest.Reading;

/// <summary>
/// Opens one input, decides its format (sniffed from content unless forced), picks the reader and applies the
/// channel filter. Everything that reads files goes through here, so every command gets every format.
/// </summary>
public sealed class EventSource(InputFormat forcedFormat, ChannelFilter channels, ReaderOptions options)
{
    private readonly Dictionary<InputFormat, IEventReader> _readers = new()
    {
        [InputFormat.Xml] = new XmlEventReader(),
        [InputFormat.Json] = new JsonEventReader(),
        [InputFormat.Text] = new MessageTextReader(),
        [InputFormat.Evtx] = new EvtxEventReader(),
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
        var head = new byte[FormatSniffer.SniffBytes];
        var headLength = await ReadHeadAsync(stream, head, ct).ConfigureAwait(false);
        var format = forcedFormat == InputFormat.Auto ? FormatSniffer.Sniff(head.AsSpan(0, headLength), file.Path) : forcedFormat;
        summary.CountFormat(format);
        Stream body = new PrefixedStream(head.AsMemory(0, headLength), stream);
        if (format != InputFormat.Evtx && FormatSniffer.Utf16Encoding(head.AsSpan(0, headLength)) is { } utf16)
        {
            body = Encoding.CreateTranscodingStream(body, utf16, Encoding.UTF8, leaveOpen: false);
        }
        if (!_readers.TryGetValue(format, out var reader))
        {
            yield return ReadResult.Reject(new SourcePosition(file.Path, null, 0),
                $"{format} input is not supported by this build", null);
            yield break;
        }
        var sawAny = false;
        var accepted = 0L;
        await foreach (var result in reader.ReadAsync(body, file.Path, options, ct).ConfigureAwait(false))
        {
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
            summary.Warnings.Add($"{file.Path}: no records of channel {channels.Describe()} (is this a Sysmon log?)");
        }
    }

    private static async ValueTask<int> ReadHeadAsync(Stream stream, byte[] head, CancellationToken ct)
    {
        var total = 0;
        while (total < head.Length)
        {
            var n = await stream.ReadAsync(head.AsMemory(total), ct).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
