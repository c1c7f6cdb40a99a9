using System.Text;

namespace Sysmon.Ingest.Reading;

/// <summary>Decides an input's format from its first bytes (the extension only breaks ties, e.g. an empty file).</summary>
public static class FormatSniffer
{
    public const int SniffBytes = 8192;

    public static InputFormat Sniff(ReadOnlySpan<byte> head, string? fileName = null)
    {
        if (head.StartsWith("ElfFile\0"u8)) return InputFormat.Evtx;
        var text = head;
        if (text.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) text = text[3..];
        // UTF-16 text (PowerShell redirection): look at its ASCII projection.
        if (head.Length >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF)))
        {
            var decoded = (head[0] == 0xFF ? Encoding.Unicode : Encoding.BigEndianUnicode).GetString(head[2..]);
            return Sniff(Encoding.UTF8.GetBytes(decoded), fileName);
        }
        var i = 0;
        while (i < text.Length && text[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        if (i < text.Length)
        {
            switch (text[i])
            {
                case (byte)'<': return InputFormat.Xml;
                case (byte)'{':
                case (byte)'[': return InputFormat.Json;
            }
            // Syslog lines carrying one <Event> each (Sysmon for Linux).
            var firstLineEnd = text[i..].IndexOf((byte)'\n');
            var firstLine = firstLineEnd < 0 ? text[i..] : text.Slice(i, firstLineEnd);
            if (firstLine.IndexOf("<Event"u8) >= 0) return InputFormat.Xml;
            if (Csv.EventLogCsvColumns.StartsExport(firstLine)) return InputFormat.Csv;
            return InputFormat.Text;
        }
        return ByExtension(fileName);
    }

    public static InputFormat ByExtension(string? fileName)
    {
        var ext = Path.GetExtension(fileName ?? "").ToLowerInvariant();
        return ext switch
        {
            ".evtx" => InputFormat.Evtx,
            ".xml" => InputFormat.Xml,
            ".json" or ".ndjson" or ".jsonl" => InputFormat.Json,
            ".csv" => InputFormat.Csv,
            _ => InputFormat.Text,
        };
    }

    /// <summary>True when <paramref name="head"/> starts with a UTF-16 byte-order mark.</summary>
    public static Encoding? Utf16Encoding(ReadOnlySpan<byte> head) =>
        head.Length >= 2 && head[0] == 0xFF && head[1] == 0xFE ? Encoding.Unicode
        : head.Length >= 2 && head[0] == 0xFE && head[1] == 0xFF ? Encoding.BigEndianUnicode
        : null;
}
