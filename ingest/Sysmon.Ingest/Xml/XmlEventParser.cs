using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Events;

namespace Sysmon.Ingest.Xml;

/// <summary>
/// Parses one Windows event XML element (<c>&lt;Event&gt;…&lt;/Event&gt;</c>) into a <see cref="SysmonEvent"/>.
/// Elements are matched by local name (default namespace, none, or any prefix); entities are decoded once.
/// Every handler consumes its element whole, so compact XML (no whitespace between elements) reads the same.
/// </summary>
internal sealed class XmlEventParser
{
    private readonly XmlReaderSettings _settings = new()
    {
        ConformanceLevel = ConformanceLevel.Fragment,
        DtdProcessing = DtdProcessing.Prohibit,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CheckCharacters = false,
        NameTable = new NameTable(),
        CloseInput = true,
    };

    /// <summary>Parses the UTF-8 bytes of one element. Throws <see cref="XmlException"/> or <see cref="FormatException"/>.</summary>
    public SysmonEvent Parse(ReadOnlyMemory<byte> element)
    {
        using var reader = XmlReader.Create(new ReadOnlyMemoryStream(element), _settings);
        var e = new SysmonEvent();
        while (reader.Read() && !(reader.NodeType == XmlNodeType.Element && reader.LocalName == "Event"))
        {
        }
        if (reader.EOF) throw new FormatException("no <Event> element");
        if (reader.IsEmptyElement) throw new FormatException("empty <Event/> element");
        var sawEventId = false;
        ForEachChild(reader, r =>
        {
            switch (r.LocalName)
            {
                case "System": sawEventId = ReadSystem(r, e); break;
                case "EventData": ReadEventData(r, e); break;
                case "UserData": ReadUserData(r, e); break;
                case "RenderingInfo": ReadRenderingInfo(r, e); break;
                default: r.Skip(); break;
            }
        });
        if (!sawEventId) throw new FormatException("<System> has no usable <EventID>");
        return e;
    }

    /// <summary>Calls <paramref name="onElement"/> for each child element of the current element, which must
    /// consume that child whole; leaves the reader after the current element's end tag.</summary>
    private static void ForEachChild(XmlReader reader, Action<XmlReader> onElement)
    {
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return;
        }
        var depth = reader.Depth;
        reader.Read();
        while (!reader.EOF && reader.Depth > depth)
        {
            if (reader.NodeType == XmlNodeType.Element) onElement(reader);
            else reader.Read();
        }
        if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) reader.Read();
    }

    private static bool ReadSystem(XmlReader reader, SysmonEvent e)
    {
        var sawId = false;
        ForEachChild(reader, r =>
        {
            switch (r.LocalName)
            {
                case "Provider":
                    e.Provider = NullIfEmpty(r.GetAttribute("Name"));
                    e.ProviderGuid = NullIfEmpty(r.GetAttribute("Guid"));
                    r.Skip();
                    break;
                case "EventID":
                    var idText = ReadText(r);
                    if (!int.TryParse(idText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
                    {
                        throw new FormatException($"EventID '{idText}' is not a number");
                    }
                    e.EventId = id;
                    sawId = true;
                    break;
                case "Version": e.Version = Int(ReadText(r)); break;
                case "Level": e.Level = Int(ReadText(r)); break;
                case "Task": e.Task = Int(ReadText(r)); break;
                case "Opcode": e.Opcode = Int(ReadText(r)); break;
                case "Keywords": e.Keywords = NullIfEmpty(ReadText(r)); break;
                case "TimeCreated":
                    if (SysmonTime.TryParseSystemTime(r.GetAttribute("SystemTime"), out var created)) e.TimeCreated = created;
                    r.Skip();
                    break;
                case "EventRecordID": e.RecordId = Long(ReadText(r)); break;
                case "Execution":
                    e.ExecutionProcessId = Long(r.GetAttribute("ProcessID"));
                    e.ExecutionThreadId = Long(r.GetAttribute("ThreadID"));
                    r.Skip();
                    break;
                case "Channel": e.Channel = NullIfEmpty(ReadText(r)); break;
                case "Computer": e.Computer = NullIfEmpty(ReadText(r)); break;
                case "Security":
                    e.UserSid = NullIfEmpty(r.GetAttribute("UserID") ?? r.GetAttribute("UserId"));
                    r.Skip();
                    break;
                default: r.Skip(); break;
            }
        });
        return sawId;
    }

    private static void ReadEventData(XmlReader reader, SysmonEvent e)
    {
        var unnamed = 0;
        ForEachChild(reader, r =>
        {
            if (r.LocalName != "Data")
            {
                ReadUserData(r, e);
                return;
            }
            var name = r.GetAttribute("Name");
            if (string.IsNullOrEmpty(name)) name = "param" + (++unnamed).ToString(CultureInfo.InvariantCulture);
            e.Data.Add(new(name, ReadText(r)));
        });
    }

    // UserData (non-Sysmon logs) nests its values in a wrapper element: keep the leaves. Not a hot path.
    private static void ReadUserData(XmlReader reader, SysmonEvent e)
    {
        var element = XElement.Load(reader.ReadSubtree());
        reader.Read();
        foreach (var leaf in element.Descendants().Where(x => !x.HasElements))
        {
            e.Data.Add(new(leaf.Name.LocalName, leaf.Value));
        }
    }

    private static void ReadRenderingInfo(XmlReader reader, SysmonEvent e) =>
        ForEachChild(reader, r =>
        {
            switch (r.LocalName)
            {
                case "Message": e.Message = ReadText(r); break;
                case "Level": e.LevelName = NullIfEmpty(ReadText(r)); break;
                case "Task": e.TaskName = NullIfEmpty(ReadText(r)); break;
                case "Opcode": e.OpcodeName = NullIfEmpty(ReadText(r)); break;
                default: r.Skip(); break;
            }
        });

    // The text content of the current element (entity-decoded once); "" for <X/> and <X></X>. Consumes it.
    private static string ReadText(XmlReader reader)
    {
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return "";
        }
        return reader.ReadElementContentAsString();
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static int? Int(string? s) =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static long? Long(string? s) =>
        long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
}
