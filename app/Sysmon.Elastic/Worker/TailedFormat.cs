using System.Buffers;
using System.Text;
using Sysmon.Ingest.Reading;

namespace Sysmon.Elastic.Worker;

/// <summary>
/// How a tailed file is read, decided from its first bytes as `ingest` decides (the extension only breaks ties):
/// JSON, syslog lines carrying one XML event each (Sysmon for Linux), or rendered message text; and whether it is
/// UTF-16. By extension alone, a `.log` of Sysmon for Linux syslog lines had every line ignored.
/// </summary>
internal readonly record struct TailedFormat(InputFormat Format, Encoding? Utf16)
{
    /// <summary>Reads the file's head (leaves the stream's position anywhere).</summary>
    public static TailedFormat Of(FileStream stream, string file)
    {
        var head = ArrayPool<byte>.Shared.Rent(FormatSniffer.SniffBytes);
        try
        {
            stream.Seek(0, SeekOrigin.Begin);
            var length = stream.ReadAtLeast(head.AsSpan(0, FormatSniffer.SniffBytes), FormatSniffer.SniffBytes, throwOnEndOfStream: false);
            var bytes = head.AsSpan(0, length);
            var format = FormatSniffer.Sniff(bytes, file) switch
            {
                InputFormat.Json => InputFormat.Json,
                InputFormat.Xml => InputFormat.Xml,
                _ => InputFormat.Text, // an EVTX or anything else under a tailed name: its lines are reported as text
            };
            return new TailedFormat(format, FormatSniffer.Utf16Encoding(bytes));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(head);
        }
    }
}
