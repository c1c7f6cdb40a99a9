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
    public static TailedFormat Of(FileHead head, string file) =>
        new(FormatSniffer.Sniff(head.Bytes, file) switch
        {
            InputFormat.Json => InputFormat.Json,
            InputFormat.Xml => InputFormat.Xml,
            _ => InputFormat.Text, // an EVTX or anything else under a tailed name: its lines are reported as text
        }, FormatSniffer.Utf16Encoding(head.Bytes));
}
