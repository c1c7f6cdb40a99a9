using System.Runtime.CompilerServices;
using System.Text;
using System.Xml;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Reading;

namespace Sysmon.Ingest.Xml;

/// <summary>
/// Windows event XML: one <c>&lt;Event&gt;</c>, an <c>&lt;Events&gt;</c> document, a stream of concatenated
/// events (<c>wevtutil qe /f:xml</c>), or syslog lines carrying one event each (Sysmon for Linux). Each event
/// is cut out and parsed on its own, so one broken event costs only itself.
/// </summary>
public sealed class XmlEventReader : IEventReader
{
    public InputFormat Format => InputFormat.Xml;

    public async IAsyncEnumerable<ReadResult> ReadAsync(Stream stream, string path, ReaderOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var parser = new XmlEventParser();
        using var scanner = new ByteScanner(stream, options.MaxRecordBytes);
        var searchFrom = 1;
        await scanner.FillAsync(cancellationToken).ConfigureAwait(false);
        while (!scanner.EndOfStream)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = XmlEventSplitter.FindStart(scanner.Window, 0, out var safeEnd);
            if (start < 0)
            {
                scanner.Consume(safeEnd);
                if (!await scanner.FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (scanner.Window.Length > 0) scanner.Consume(scanner.Window.Length);
                    break;
                }
                continue;
            }
            scanner.Consume(start);
            searchFrom = 1;
            int end;
            int nested;
            while ((end = XmlEventSplitter.FindEnd(scanner.Window, searchFrom, out nested)) < 0 && nested < 0)
            {
                searchFrom = XmlEventSplitter.ResumePoint(scanner.Window);
                if (!await scanner.FillAsync(cancellationToken).ConfigureAwait(false)) break;
            }
            var position = new SourcePosition(path, scanner.Line, scanner.Offset);
            if (end < 0)
            {
                var cut = nested >= 0 ? nested : scanner.Window.Length;
                var reason = nested >= 0
                    ? "unterminated <Event> element: another event starts before its end tag (truncated line?)"
                    : scanner.Full
                        ? $"<Event> element larger than {options.MaxRecordBytes} bytes; skipped"
                        : "unterminated <Event> element at end of input (truncated file?)";
                var excerpt = Encoding.UTF8.GetString(scanner.Window[..Math.Min(cut, ReadResult.MaxExcerptChars)]);
                scanner.Consume(cut);
                yield return ReadResult.Reject(position, reason, excerpt);
                continue;
            }
            var element = scanner.WindowMemory[..end];
            ReadResult result;
            try
            {
                var e = parser.Parse(element);
                e.Position = position;
                if (options.KeepOriginal) e.Original = Encoding.UTF8.GetString(element.Span);
                result = ReadResult.Of(e);
            }
            catch (Exception ex) when (ex is XmlException or FormatException)
            {
                result = ReadResult.Reject(position, "malformed event XML: " + ex.Message,
                    Encoding.UTF8.GetString(element.Span[..Math.Min(end, ReadResult.MaxExcerptChars)]));
            }
            scanner.Consume(end);
            yield return result;
        }
    }
}
