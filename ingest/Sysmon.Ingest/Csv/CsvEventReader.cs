using System.Runtime.CompilerServices;
using System.Text;
using Sysmon.Ingest.Catalogue;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Text;

namespace Sysmon.Ingest.Csv;

/// <summary>
/// An event log exported to CSV (<see cref="EventLogCsvColumns"/>): one row per event, its rendered message parsed as
/// <see cref="MessageTextReader"/> parses one, its other columns giving what the message lacks. From
/// <c>Get-WinEvent | Export-Csv</c> that includes the record id and computer, so a row gets the same document id as
/// the same record read from the .evtx. Rows of other logs are read as events without data, for the channel filter.
/// </summary>
public sealed class CsvEventReader(EventCatalogue? catalogue = null) : IEventReader
{
    private readonly EventCatalogue _catalogue = catalogue ?? EventCatalogue.Default;

    public InputFormat Format => InputFormat.Csv;

    public async IAsyncEnumerable<ReadResult> ReadAsync(Stream stream, string path, ReaderOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var scanner = new ByteScanner(stream, options.MaxRecordBytes);
        await scanner.FillAsync(cancellationToken).ConfigureAwait(false);
        if (scanner.Window.StartsWith(Utf8Bom)) scanner.Consume(Utf8Bom.Length);
        EventLogCsvColumns? columns = null;
        byte delimiter = 0;
        while (!scanner.EndOfStream)
        {
            var window = scanner.Window;
            var length = CsvRecordSplitter.RecordLength(window);
            if (length < 0 && !scanner.Exhausted && !scanner.Full)
            {
                await scanner.FillAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            var record = window[..(length < 0 ? window.Length : length)];
            var position = new SourcePosition(path, scanner.Line, scanner.Offset);
            ReadResult? result = null;
            if (length < 0 && !scanner.Exhausted)
            {
                result = ReadResult.Reject(position, $"CSV record larger than {options.MaxRecordBytes:N0} bytes", Excerpt(record));
            }
            else if (record.Trim("\r\n "u8).Length == 0)
            {
                // a blank line
            }
            else if (columns is null)
            {
                // PowerShell 5's Export-Csv writes "#TYPE <class>" above the header.
                if (record.StartsWith("#TYPE "u8))
                {
                    scanner.Consume(FirstLineLength(record));
                    continue;
                }
                delimiter = Delimiter(record);
                var header = CsvRecordSplitter.Fields(record, delimiter, out var error);
                columns = header is null ? null : EventLogCsvColumns.From(header, out error);
                if (columns is null)
                {
                    // Not an export this reader knows: one dead letter for the file, not one per row.
                    yield return ReadResult.Reject(position, error!, Excerpt(record));
                    yield break;
                }
            }
            else
            {
                result = Row(record, columns, delimiter, position, options);
            }
            scanner.Consume(record.Length);
            if (result is { } r) yield return r;
        }
    }

    private ReadResult Row(ReadOnlySpan<byte> record, EventLogCsvColumns columns, byte delimiter, SourcePosition position, ReaderOptions options)
    {
        var row = CsvRecordSplitter.Fields(record, delimiter, out var error);
        if (row is null) return ReadResult.Reject(position, error!, Excerpt(record));
        if (row.Count != columns.Count && !(row.Count > columns.Count && row[columns.Count..].All(f => f.Length == 0)))
        {
            return ReadResult.Reject(position, $"{row.Count} fields, the header has {columns.Count}", Excerpt(record));
        }
        var message = columns.Message < row.Count ? row[columns.Message] : "";
        var properties = columns.Properties(row);
        var e = RenderedMessageParser.TryParse(message, _catalogue, out error);
        if (e is null)
        {
            if (!EventLogRecordProperties.IsForeign(properties)) return ReadResult.Reject(position, error ?? "unreadable message", Excerpt(record));
            e = new SysmonEvent { EventId = EventLogRecordProperties.EventId(properties) ?? 0 };
        }
        else if (EventLogRecordProperties.EventId(properties) is { } stated && stated != e.EventId)
        {
            return ReadResult.Reject(position, $"the Id column says {stated}, the message is event {e.EventId}", Excerpt(record));
        }
        EventLogRecordProperties.ApplyTo(e, properties);
        e.Position = position;
        e.Message = message;
        if (options.KeepOriginal) e.Original = Encoding.UTF8.GetString(record).TrimEnd('\r', '\n');
        return ReadResult.Of(e);
    }

    // The header's first delimiter outside quotes: ',' by default, ';' or a tab under Export-Csv -UseCulture / -Delimiter.
    private static byte Delimiter(ReadOnlySpan<byte> header)
    {
        var quoted = false;
        foreach (var b in header)
        {
            if (b == (byte)'"') quoted = !quoted;
            else if (!quoted && b is (byte)',' or (byte)';' or (byte)'\t') return b;
        }
        return (byte)',';
    }

    private static int FirstLineLength(ReadOnlySpan<byte> record)
    {
        var nl = record.IndexOf((byte)'\n');
        return nl < 0 ? record.Length : nl + 1;
    }

    private static string Excerpt(ReadOnlySpan<byte> record) => Encoding.UTF8.GetString(record).TrimEnd('\r', '\n');

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];
}
