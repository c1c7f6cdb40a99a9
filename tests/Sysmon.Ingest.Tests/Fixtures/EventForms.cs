using System.Text;
using System.Text.Json;
using System.Xml;
using Sysmon.Ingest.Catalogue;

namespace Sysmon.Ingest.Tests.Fixtures;

/// <summary>Renders a <see cref="SampleEvent"/> the way each producer writes it.</summary>
public static class EventForms
{
    public const string ProviderGuid = "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}";

    /// <summary>Windows event XML as the Windows API renders it (compact, single-quoted attributes).</summary>
    public static string Xml(SampleEvent s)
    {
        var sb = new StringBuilder();
        using (var w = XmlWriter.Create(sb, new XmlWriterSettings { OmitXmlDeclaration = true }))
        {
            const string ns = "http://schemas.microsoft.com/win/2004/08/events/event";
            w.WriteStartElement("Event", ns);
            w.WriteStartElement("System", ns);
            w.WriteStartElement("Provider", ns);
            w.WriteAttributeString("Name", "Microsoft-Windows-Sysmon");
            w.WriteAttributeString("Guid", ProviderGuid);
            w.WriteEndElement();
            w.WriteElementString("EventID", ns, s.Id.ToString());
            w.WriteElementString("Version", ns, s.Version.ToString());
            w.WriteElementString("Level", ns, s.Level.ToString());
            w.WriteElementString("Task", ns, s.Id.ToString());
            w.WriteElementString("Opcode", ns, "0");
            w.WriteElementString("Keywords", ns, "0x8000000000000000");
            w.WriteStartElement("TimeCreated", ns);
            w.WriteAttributeString("SystemTime", s.TimeCreated);
            w.WriteEndElement();
            w.WriteElementString("EventRecordID", ns, s.RecordId.ToString());
            w.WriteStartElement("Correlation", ns);
            w.WriteEndElement();
            w.WriteStartElement("Execution", ns);
            w.WriteAttributeString("ProcessID", "3228");
            w.WriteAttributeString("ThreadID", "4288");
            w.WriteEndElement();
            w.WriteElementString("Channel", ns, "Microsoft-Windows-Sysmon/Operational");
            w.WriteElementString("Computer", ns, SampleEvent.Computer);
            w.WriteStartElement("Security", ns);
            w.WriteAttributeString("UserID", "S-1-5-18");
            w.WriteEndElement();
            w.WriteEndElement();
            w.WriteStartElement("EventData", ns);
            foreach (var (name, value) in s.Data)
            {
                w.WriteStartElement("Data", ns);
                w.WriteAttributeString("Name", name);
                w.WriteString(value);
                w.WriteEndElement();
            }
            w.WriteEndElement();
            w.WriteEndElement();
        }
        return sb.ToString();
    }

    /// <summary>The rendered message (header, then "Name: value" lines joined by CR LF).</summary>
    public static string Text(SampleEvent s, string lineBreak = "\r\n")
    {
        var def = EventCatalogue.Default.Find(s.Id)!;
        var sb = new StringBuilder(def.Headers[0]);
        foreach (var (name, value) in s.Data) sb.Append(lineBreak).Append(name).Append(": ").Append(value);
        return sb.ToString();
    }

    /// <summary>The event as <c>wevtutil qe Microsoft-Windows-Sysmon/Operational /f:text</c> prints it: the
    /// <c>Event[N]:</c> block (labels, order and indentation as in wevtutil's output on Windows 10 and later), then the
    /// rendered message.</summary>
    public static string Wevtutil(SampleEvent s, int index = 0, string lineBreak = "\r\n")
    {
        var def = EventCatalogue.Default.Find(s.Id)!;
        string[] header =
        [
            $"Event[{index}]:", "  Log Name: Microsoft-Windows-Sysmon/Operational", "  Source: Microsoft-Windows-Sysmon",
            $"  Date: {s.TimeCreated}", $"  Event ID: {s.Id}", $"  Task: {def.TaskName}",
            $"  Level: {(s.Level == 2 ? "Error" : "Information")}", "  Opcode: Info", "  Keyword: N/A", "  User: S-1-5-18",
            "  User Name: NT AUTHORITY\\SYSTEM", $"  Computer: {SampleEvent.Computer}", "  Description: ",
        ];
        return string.Join(lineBreak, header) + lineBreak + Text(s, lineBreak);
    }

    /// <summary>The header of <c>Get-WinEvent | Export-Csv</c> in Windows PowerShell: EventLogRecord's properties.</summary>
    public const string GetWinEventCsvHeader = "\"Message\",\"Id\",\"Version\",\"Qualifiers\",\"Level\",\"Task\",\"Opcode\",\"Keywords\"," +
        "\"RecordId\",\"ProviderName\",\"ProviderId\",\"LogName\",\"ProcessId\",\"ThreadId\",\"MachineName\",\"UserId\",\"TimeCreated\"," +
        "\"ActivityId\",\"RelatedActivityId\",\"ContainerLog\",\"MatchedQueryIds\",\"Bookmark\",\"LevelDisplayName\",\"OpcodeDisplayName\"," +
        "\"TaskDisplayName\",\"KeywordsDisplayNames\",\"Properties\"";

    /// <summary>The event as one row of <c>Get-WinEvent -LogName Microsoft-Windows-Sysmon/Operational | Export-Csv</c>:
    /// every property quoted except empty ones, the message with its CR LF line breaks, the time in the exporting
    /// machine's local format, object-valued properties as their type names.</summary>
    public static string GetWinEventCsvRow(SampleEvent s, char delimiter = ',')
    {
        var def = EventCatalogue.Default.Find(s.Id)!;
        var local = DateTime.ParseExact(s.UtcTime, "yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture).AddHours(-5);
        string?[] values =
        [
            Text(s), s.Id.ToString(), s.Version.ToString(), null, s.Level.ToString(), s.Id.ToString(), "0", "-9223372036854775808",
            s.RecordId.ToString(), "Microsoft-Windows-Sysmon", ProviderGuid.Trim('{', '}'), "Microsoft-Windows-Sysmon/Operational",
            "3228", "4288", SampleEvent.Computer, "S-1-5-18", local.ToString("M/d/yyyy h:mm:ss tt", System.Globalization.CultureInfo.InvariantCulture),
            null, null, "Microsoft-Windows-Sysmon/Operational", "System.UInt32[]", "System.Diagnostics.Eventing.Reader.EventBookmark",
            s.Level == 2 ? "Error" : "Information", "Info", def.TaskName, "System.Collections.ObjectModel.ReadOnlyCollection`1[System.String]",
            "System.Collections.Generic.List`1[System.Diagnostics.Eventing.Reader.EventProperty]",
        ];
        return string.Join(delimiter, values.Select(v => v is null ? "" : "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));
    }

    /// <summary>The event as <c>Get-WinEvent | ConvertTo-Json -Compress</c> writes one EventLogRecord: the same
    /// properties as the CSV's (numbers as numbers), UserId as a SecurityIdentifier object, TimeCreated in
    /// Windows PowerShell's <c>\/Date(ms)\/</c> form, Properties as EventProperty objects.</summary>
    public static string GetWinEventJson(SampleEvent s) => Json(w =>
    {
        var def = EventCatalogue.Default.Find(s.Id)!;
        var created = DateTimeOffset.ParseExact(s.UtcTime + "Z", "yyyy-MM-dd HH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        w.WriteString("Message", Text(s));
        w.WriteNumber("Id", s.Id);
        w.WriteNumber("Version", s.Version);
        w.WriteNull("Qualifiers");
        w.WriteNumber("Level", s.Level);
        w.WriteNumber("Task", s.Id);
        w.WriteNumber("Opcode", 0);
        w.WriteNumber("Keywords", long.MinValue);
        w.WriteNumber("RecordId", s.RecordId);
        w.WriteString("ProviderName", "Microsoft-Windows-Sysmon");
        w.WriteString("ProviderId", ProviderGuid.Trim('{', '}'));
        w.WriteString("LogName", "Microsoft-Windows-Sysmon/Operational");
        w.WriteNumber("ProcessId", 3228);
        w.WriteNumber("ThreadId", 4288);
        w.WriteString("MachineName", SampleEvent.Computer);
        w.WriteStartObject("UserId");
        w.WriteNumber("BinaryLength", 12);
        w.WriteNull("AccountDomainSid");
        w.WriteString("Value", "S-1-5-18");
        w.WriteEndObject();
        w.WriteString("TimeCreated", $"/Date({created.ToUnixTimeMilliseconds()})/");
        w.WriteNull("ActivityId");
        w.WriteString("LevelDisplayName", s.Level == 2 ? "Error" : "Information");
        w.WriteString("OpcodeDisplayName", "Info");
        w.WriteString("TaskDisplayName", def.TaskName);
        w.WriteStartArray("KeywordsDisplayNames");
        w.WriteEndArray();
        w.WriteStartArray("Properties");
        foreach (var (_, value) in s.Data)
        {
            w.WriteStartObject();
            w.WriteString("Value", value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    /// <summary>A Winlogbeat / Elastic Agent document (winlog.*), as one line.</summary>
    public static string Beats(SampleEvent s) => Json(w =>
    {
        var def = EventCatalogue.Default.Find(s.Id)!;
        w.WriteString("@timestamp", s.TimeCreated);
        w.WriteStartObject("event");
        w.WriteString("code", s.Id.ToString());
        w.WriteString("kind", "event");
        w.WriteString("provider", "Microsoft-Windows-Sysmon");
        w.WriteString("action", def.TaskName);
        w.WriteEndObject();
        w.WriteStartObject("log");
        w.WriteString("level", s.Level == 2 ? "error" : "information");
        w.WriteEndObject();
        w.WriteString("message", Text(s, "\n"));
        w.WriteStartObject("winlog");
        w.WriteString("channel", "Microsoft-Windows-Sysmon/Operational");
        w.WriteString("computer_name", SampleEvent.Computer);
        w.WriteStartObject("event_data");
        foreach (var (name, value) in s.Data) w.WriteString(name, value);
        w.WriteEndObject();
        w.WriteString("event_id", s.Id.ToString());
        w.WriteString("opcode", "Info");
        w.WriteStartObject("process");
        w.WriteNumber("pid", 3228);
        w.WriteStartObject("thread");
        w.WriteNumber("id", 4288);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("provider_guid", ProviderGuid);
        w.WriteString("provider_name", "Microsoft-Windows-Sysmon");
        w.WriteNumber("record_id", s.RecordId);
        w.WriteString("task", def.TaskName);
        w.WriteStartObject("user");
        w.WriteString("identifier", "S-1-5-18");
        w.WriteEndObject();
        w.WriteString("keywords", "0x8000000000000000");
        w.WriteNumber("version", s.Version);
        w.WriteEndObject();
    });

    /// <summary>An NXLog im_msvistalog document (flat; EventData at the top level; CE variant loses ProcessId).</summary>
    public static string Nxlog(SampleEvent s, bool dropProcessId = false) => Json(w =>
    {
        var def = EventCatalogue.Default.Find(s.Id)!;
        w.WriteString("EventTime", "2026-01-05 11:00:00");
        w.WriteString("Hostname", SampleEvent.Computer);
        w.WriteNumber("Keywords", long.MinValue);
        w.WriteString("EventType", "INFO");
        w.WriteNumber("SeverityValue", 2);
        w.WriteString("Severity", "INFO");
        w.WriteNumber("EventID", s.Id);
        w.WriteString("SourceName", "Microsoft-Windows-Sysmon");
        w.WriteString("ProviderGuid", ProviderGuid);
        w.WriteNumber("Version", s.Version);
        w.WriteNumber("Task", s.Id);
        w.WriteNumber("OpcodeValue", 0);
        w.WriteNumber("RecordNumber", s.RecordId);
        w.WriteNumber("ProcessID", 3228);
        w.WriteNumber("ThreadID", 4288);
        w.WriteString("Channel", "Microsoft-Windows-Sysmon/Operational");
        w.WriteString("Domain", "NT AUTHORITY");
        w.WriteString("AccountName", "SYSTEM");
        w.WriteString("UserID", "S-1-5-18");
        w.WriteString("Category", def.TaskName);
        w.WriteString("Opcode", "Info");
        w.WriteString("Message", Text(s));
        foreach (var (name, value) in s.Data)
        {
            if (dropProcessId && name == "ProcessId") continue;
            // NXLog's own EventType and Version win the key collision.
            if (name is "EventType" or "Version") continue;
            w.WriteString(name, value);
        }
    });

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
