using System.Globalization;
using System.Text;
using System.Text.Json;
using Sysmon.Ingest;
using Sysmon.Ingest.Catalogue;

namespace Sysmon.Elastic.Generation;

/// <summary>The forms a generated host log is written in: Windows event XML (an <c>&lt;Events&gt;</c> export),
/// Winlogbeat-style JSON lines, the rendered message text (which, like the real thing, names no host: ingest it
/// with <c>--host</c>), or <c>Get-WinEvent | Export-Csv</c> rows. EventData is written in the catalogue's manifest
/// order.</summary>
public sealed class EventFileWriter : IDisposable
{
    public const string ProviderGuid = "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}";
    private readonly Stream _stream;
    private readonly string _format;
    private readonly string _host;
    private readonly Utf8JsonWriter? _json;
    private readonly StreamWriter? _text;

    public EventFileWriter(string path, string format, string host)
    {
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        _format = format;
        _host = host;
        if (format == "json") _json = new Utf8JsonWriter(_stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        else
        {
            _text = new StreamWriter(_stream, new UTF8Encoding(false), 1 << 16) { NewLine = format is "text" or "csv" ? "\r\n" : "\n" };
            if (format == "xml") _text.WriteLine("<Events>");
            if (format == "csv") _text.WriteLine(CsvHeader);
        }
    }

    public static string Extension(string format) => format switch { "xml" => ".xml", "json" => ".json", "csv" => ".csv", _ => ".txt" };

    public void Write(GeneratedEvent e)
    {
        var def = EventCatalogue.Default.Find(e.Id)!;
        switch (_format)
        {
            case "json": WriteJson(e, def); break;
            case "xml": WriteXml(e, def); break;
            case "csv": WriteCsv(e, def); break;
            default: WriteText(e, def); break;
        }
    }

    private static string SystemTime(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private void WriteJson(GeneratedEvent e, EventDefinition def)
    {
        var w = _json!;
        w.Reset();
        w.WriteStartObject();
        w.WriteString("@timestamp", SystemTime(e.Time));
        w.WriteStartObject("winlog");
        w.WriteString("channel", Names.SysmonChannel);
        w.WriteString("computer_name", _host);
        w.WriteString("event_id", e.Id.ToString(CultureInfo.InvariantCulture));
        w.WriteString("provider_name", Names.SysmonProvider);
        w.WriteString("provider_guid", ProviderGuid);
        w.WriteNumber("record_id", e.RecordId);
        w.WriteNumber("version", def.Version);
        w.WriteString("task", def.TaskName);
        w.WriteStartObject("event_data");
        foreach (var field in def.Fields)
        {
            if (e.Data.TryGetValue(field, out var value)) w.WriteString(field, value);
        }
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.Flush();
        _stream.WriteByte((byte)'\n');
    }

    private void WriteXml(GeneratedEvent e, EventDefinition def)
    {
        var w = _text!;
        w.Write("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='");
        w.Write(ProviderGuid);
        w.Write("'/><EventID>");
        w.Write(e.Id.ToString(CultureInfo.InvariantCulture));
        w.Write("</EventID><Version>");
        w.Write(def.Version.ToString(CultureInfo.InvariantCulture));
        w.Write("</Version><Level>");
        w.Write(e.Id == 255 ? "2" : "4");
        w.Write("</Level><Task>");
        w.Write(e.Id.ToString(CultureInfo.InvariantCulture));
        w.Write("</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='");
        w.Write(SystemTime(e.Time));
        w.Write("'/><EventRecordID>");
        w.Write(e.RecordId.ToString(CultureInfo.InvariantCulture));
        w.Write("</EventRecordID><Correlation/><Execution ProcessID='3228' ThreadID='4288'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>");
        w.Write(_host);
        w.Write("</Computer><Security UserID='S-1-5-18'/></System><EventData>");
        foreach (var field in def.Fields)
        {
            if (!e.Data.TryGetValue(field, out var value)) continue;
            w.Write("<Data Name='");
            w.Write(field);
            w.Write("'>");
            w.Write(System.Security.SecurityElement.Escape(value));
            w.Write("</Data>");
        }
        w.WriteLine("</EventData></Event>");
    }

    private void WriteText(GeneratedEvent e, EventDefinition def)
    {
        var w = _text!;
        w.Write(def.Headers[0]);
        foreach (var field in def.Fields)
        {
            if (!e.Data.TryGetValue(field, out var value)) continue;
            w.WriteLine();
            w.Write(field);
            w.Write(": ");
            w.Write(value);
        }
        w.WriteLine();
        w.WriteLine();
    }

    // PowerShell 5's Export-Csv: a #TYPE line, then EventLogRecord's properties, every value quoted but empty ones.
    private const string CsvHeader = "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n" +
        "\"Message\",\"Id\",\"Version\",\"Qualifiers\",\"Level\",\"Task\",\"Opcode\",\"Keywords\",\"RecordId\",\"ProviderName\",\"ProviderId\"," +
        "\"LogName\",\"ProcessId\",\"ThreadId\",\"MachineName\",\"UserId\",\"TimeCreated\",\"ActivityId\",\"RelatedActivityId\",\"ContainerLog\"," +
        "\"MatchedQueryIds\",\"Bookmark\",\"LevelDisplayName\",\"OpcodeDisplayName\",\"TaskDisplayName\",\"KeywordsDisplayNames\",\"Properties\"";

    private void WriteCsv(GeneratedEvent e, EventDefinition def)
    {
        var w = _text!;
        w.Write('"');
        w.Write(def.Headers[0]);
        foreach (var field in def.Fields)
        {
            if (!e.Data.TryGetValue(field, out var value)) continue;
            w.Write("\r\n");
            w.Write(field);
            w.Write(": ");
            w.Write(value.Replace("\"", "\"\"", StringComparison.Ordinal));
        }
        var id = e.Id.ToString(CultureInfo.InvariantCulture);
        w.Write($"\",\"{id}\",\"{def.Version}\",,\"{(e.Id == 255 ? 2 : 4)}\",\"{id}\",\"0\",\"-9223372036854775808\",\"{e.RecordId}\",");
        w.Write($"\"{Names.SysmonProvider}\",\"{ProviderGuid.Trim('{', '}')}\",\"{Names.SysmonChannel}\",\"3228\",\"4288\",\"{_host}\",\"S-1-5-18\",");
        w.Write($"\"{e.Time.ToString("M/d/yyyy h:mm:ss tt", CultureInfo.InvariantCulture)}\",,,\"{Names.SysmonChannel}\",\"System.UInt32[]\",");
        w.Write($"\"System.Diagnostics.Eventing.Reader.EventBookmark\",\"{(e.Id == 255 ? "Error" : "Information")}\",\"Info\",\"{def.TaskName}\",");
        w.WriteLine("\"System.Collections.ObjectModel.ReadOnlyCollection`1[System.String]\",\"System.Collections.Generic.List`1[System.Diagnostics.Eventing.Reader.EventProperty]\"");
    }

    public void Dispose()
    {
        if (_format == "xml") _text!.WriteLine("</Events>");
        _text?.Dispose();
        _json?.Dispose();
        _stream.Dispose();
    }
}
