using System.Runtime.CompilerServices;
using System.Text;
using Sysmon.Ingest.Catalogue;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Reading;

namespace Sysmon.Ingest.Text;

/// <summary>
/// Rendered message text: many events in one file, each starting at a header line (<c>Process Create:</c>) and
/// ending at the next header or a blank line (unless the line after the blank starts another field of the same
/// event: then the blank is part of a value). Lines outside any event (prose around pasted events) are counted
/// as ignored; a block under an unknown header is rejected. A <c>wevtutil qe /f:text</c> export's <c>Event[N]:</c>
/// block above a message gives the event its computer, channel and user (<see cref="WevtutilHeader"/>); the records of
/// other logs in such an export are read as events without data, for the channel filter to count.
/// </summary>
public sealed class MessageTextReader(EventCatalogue? catalogue = null) : IEventReader
{
    private readonly EventCatalogue _catalogue = catalogue ?? EventCatalogue.Default;

    public InputFormat Format => InputFormat.Text;

    private readonly record struct Line(string Text, string Break, long Number, long Offset);

    public async IAsyncEnumerable<ReadResult> ReadAsync(Stream stream, string path, ReaderOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var lines = ReadLines(stream, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var block = new List<(string Text, string Break)>();
        Line? next = await lines.MoveNextAsync().ConfigureAwait(false) ? lines.Current : null;
        EventDefinition? def = null;
        Line blockStart = default;
        string? unknownHeader = null;
        var ignored = 0L;
        Line? firstIgnored = null;
        // wevtutil's "Event[N]:" block: being read (pending), above the message being read (blockHeader), or above the
        // message of another log, whose lines run to the next record (foreign, foreignLines).
        WevtutilHeader? pending = null, blockHeader = null, foreign = null;
        var foreignLines = new List<(string Text, string Break)>();

        while (next is { } line)
        {
            Line? after = await lines.MoveNextAsync().ConfigureAwait(false) ? lines.Current : null;
            next = after;
            if (WevtutilHeader.TryStart(line.Text, line.Break, line.Number, line.Offset) is { } started)
            {
                if (block.Count > 0) yield return Finish(block, def, unknownHeader, blockStart, blockHeader, path, options);
                if (foreign is not null) yield return FinishForeign(foreign, foreignLines, path, options);
                block.Clear();
                def = null;
                blockHeader = foreign = null;
                IgnoreHeader(pending, ref ignored, ref firstIgnored);
                pending = started;
                continue;
            }
            if (foreign is not null)
            {
                foreignLines.Add((line.Text, line.Break));
                continue;
            }
            if (pending is { Complete: false })
            {
                if (pending.TryAdd(line.Text, line.Break)) continue;
                IgnoreHeader(pending, ref ignored, ref firstIgnored); // cut short: what follows is read as it stands
                pending = null;
            }
            var header = _catalogue.FindByHeader(line.Text);
            if (pending is { Complete: true } && header is null && pending.IsForeign && !(after is { } f && LooksLikeUnknownHeader(line.Text, f.Text)))
            {
                if (line.Text.Trim().Length == 0) continue;
                (foreign, pending) = (pending, null);
                foreignLines.Clear();
                foreignLines.Add((line.Text, line.Break));
                continue;
            }
            if (header is not null)
            {
                if (block.Count > 0) yield return Finish(block, def, unknownHeader, blockStart, blockHeader, path, options);
                block.Clear();
                def = header;
                unknownHeader = null;
                blockStart = line;
                (blockHeader, pending) = (pending, null);
                block.Add((line.Text, line.Break));
            }
            else if (block.Count > 0)
            {
                var blank = line.Text.Trim().Length == 0;
                var continues = !blank || (after is { } a && def is not null && RenderedMessageParser.FieldNameAt(a.Text, def) is not null);
                if (continues)
                {
                    block.Add((line.Text, line.Break));
                }
                else
                {
                    yield return Finish(block, def, unknownHeader, blockStart, blockHeader, path, options);
                    block.Clear();
                    def = null;
                    blockHeader = null;
                }
            }
            else if (after is { } a2 && LooksLikeUnknownHeader(line.Text, a2.Text))
            {
                def = null;
                unknownHeader = line.Text;
                blockStart = line;
                (blockHeader, pending) = (pending, null);
                block.Add((line.Text, line.Break));
            }
            else if (line.Text.Trim().Length > 0)
            {
                ignored++;
                firstIgnored ??= line;
                IgnoreHeader(pending, ref ignored, ref firstIgnored); // a header above prose, not above a message
                pending = null;
            }
        }
        if (block.Count > 0) yield return Finish(block, def, unknownHeader, blockStart, blockHeader, path, options);
        if (foreign is not null) yield return FinishForeign(foreign, foreignLines, path, options);
        IgnoreHeader(pending, ref ignored, ref firstIgnored);
        if (ignored > 0 && firstIgnored is { } fi)
        {
            yield return ReadResult.Ignore(new SourcePosition(path, fi.Number, fi.Offset),
                $"{ignored} line(s) outside any Sysmon event (not a header, not a field) ignored");
        }
    }

    // A wevtutil header with no message under it is counted with the other lines outside any event.
    private static void IgnoreHeader(WevtutilHeader? header, ref long ignored, ref Line? firstIgnored)
    {
        if (header is null) return;
        ignored += header.Lines.Count;
        if (firstIgnored is null || firstIgnored.Value.Offset > header.StartOffset)
        {
            firstIgnored = new Line(header.Lines[0].Text, header.Lines[0].Break, header.StartLine, header.StartOffset);
        }
    }

    private static ReadResult FinishForeign(WevtutilHeader header, List<(string Text, string Break)> lines, string path, ReaderOptions options)
    {
        var message = string.Concat(lines.Select(l => l.Text + l.Break)).TrimEnd('\r', '\n');
        var e = header.ToForeignEvent(message, new SourcePosition(path, header.StartLine, header.StartOffset));
        if (options.KeepOriginal) e.Original = string.Concat(header.Lines.Select(l => l.Text + l.Break)) + message;
        return ReadResult.Of(e);
    }

    // "Something:" followed by a "RuleName: " or "UtcTime: " line is an event under a header we do not know.
    private static bool LooksLikeUnknownHeader(string line, string nextLine) =>
        line.TrimEnd().EndsWith(':') && !line.Contains(": ", StringComparison.Ordinal) &&
        (nextLine.StartsWith("RuleName:", StringComparison.Ordinal) || nextLine.StartsWith("UtcTime:", StringComparison.Ordinal));

    private ReadResult Finish(List<(string Text, string Break)> block, EventDefinition? def, string? unknownHeader,
        Line start, WevtutilHeader? header, string path, ReaderOptions options)
    {
        var position = header is null ? new SourcePosition(path, start.Number, start.Offset) : new SourcePosition(path, header.StartLine, header.StartOffset);
        var message = string.Concat(block.Select(l => l.Text + l.Break)).TrimEnd('\r', '\n');
        // The record as read (with its wevtutil header): for a dead letter, or event.original when asked for.
        string Original() => header is null ? message : string.Concat(header.Lines.Select(l => l.Text + l.Break)) + message;
        if (def is null)
        {
            return ReadResult.Reject(position, $"unknown event header '{unknownHeader?.Trim()}'", Original());
        }
        if (header?.EventId is { } stated && stated != def.Id)
        {
            return ReadResult.Reject(position, $"the wevtutil header says Event ID {stated}, the message is '{def.Headers[0]}' (event {def.Id})", Original());
        }
        var e = RenderedMessageParser.TryParse(block, _catalogue, out var error);
        if (e is null) return ReadResult.Reject(position, error ?? "unreadable message", Original());
        header?.ApplyTo(e);
        e.Position = position;
        e.Message = message;
        if (options.KeepOriginal) e.Original = Original();
        return ReadResult.Of(e);
    }

    private static async IAsyncEnumerable<Line> ReadLines(Stream stream, ReaderOptions options,
        [EnumeratorCancellation] CancellationToken ct)
    {
        using var scanner = new ByteScanner(stream, options.MaxRecordBytes);
        await scanner.FillAsync(ct).ConfigureAwait(false);
        while (!scanner.EndOfStream)
        {
            var window = scanner.Window;
            var nl = window.IndexOf((byte)'\n');
            if (nl < 0 && !scanner.Exhausted && !scanner.Full)
            {
                await scanner.FillAsync(ct).ConfigureAwait(false);
                continue;
            }
            var len = nl < 0 ? window.Length : nl + 1;
            var content = window[..(nl < 0 ? window.Length : nl)];
            var brk = nl < 0 ? "" : "\n";
            if (content.Length > 0 && content[^1] == (byte)'\r')
            {
                content = content[..^1];
                brk = nl < 0 ? "\r" : "\r\n";
            }
            if (scanner.Offset == 0 && content.StartsWith(Utf8Bom)) content = content[3..];
            var line = new Line(Encoding.UTF8.GetString(content), brk, scanner.Line, scanner.Offset);
            scanner.Consume(len);
            yield return line;
        }
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];
}
