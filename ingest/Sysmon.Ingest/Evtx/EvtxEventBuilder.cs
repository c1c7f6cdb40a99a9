using System.Globalization;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Events;

namespace Sysmon.Ingest.Evtx;

/// <summary>
/// Fills a <see cref="SysmonEvent"/> from the decoded XML of one record, element by element, as the XML reader
/// does for textual event XML: System fields, EventData (or UserData leaves), RenderingInfo.
/// </summary>
internal sealed class EvtxEventBuilder : IBinXmlHandler
{
    private const int MaxDepth = 64;
    private readonly string[] _path = new string[MaxDepth];
    private readonly bool[] _hadChild = new bool[MaxDepth];
    // One-piece text is used as it is: EVTX reading allocated 7.3 KB per record, mostly strings made twice.
    private readonly TextParts _text = new();
    private int _depth;
    private string? _dataName;
    private int _unnamed;
    private SysmonEvent _event = new();

    public bool SawEventId { get; private set; }

    public SysmonEvent Start()
    {
        SawEventId = false;
        _event = new SysmonEvent();
        _depth = 0;
        _unnamed = 0;
        _text.Clear();
        return _event;
    }

    public void StartElement(string name)
    {
        if (_depth > 0) _hadChild[_depth - 1] = true;
        if (_depth >= MaxDepth) throw new EvtxFormatException("XML nested too deeply");
        _path[_depth] = name;
        _hadChild[_depth] = false;
        _depth++;
        _text.Clear();
        if (_depth == 3 && _path[1] == "EventData") _dataName = null;
    }

    public void Attribute(string name, string value)
    {
        var e = _event;
        if (_depth == 3 && _path[1] == "System")
        {
            switch (_path[2])
            {
                case "Provider":
                    if (name == "Name") e.Provider = NullIfEmpty(value);
                    else if (name == "Guid") e.ProviderGuid = NullIfEmpty(value);
                    break;
                case "TimeCreated" when name == "SystemTime":
                    if (SysmonTime.TryParseSystemTime(value, out var t)) e.TimeCreated = t;
                    break;
                case "Execution":
                    if (name == "ProcessID") e.ExecutionProcessId = Long(value);
                    else if (name == "ThreadID") e.ExecutionThreadId = Long(value);
                    break;
                case "Security" when name is "UserID" or "UserId":
                    e.UserSid = NullIfEmpty(value);
                    break;
            }
        }
        else if (_depth == 3 && _path[1] == "EventData" && name == "Name")
        {
            _dataName = value;
        }
    }

    public void Text(string text) => _text.Add(text);

    public void EndElement()
    {
        if (_depth == 0) throw new EvtxFormatException("end of an element that was not started");
        var e = _event;
        var name = _path[_depth - 1];
        if (_depth == 3)
        {
            switch (_path[1])
            {
                case "System":
                    SetSystemField(e, name, _text.ToString());
                    if (name == "EventID") SawEventId = true;
                    break;
                case "EventData":
                    var dataName = name == "Data" ? _dataName : name;
                    if (string.IsNullOrEmpty(dataName)) dataName = "param" + (++_unnamed).ToString(CultureInfo.InvariantCulture);
                    e.Data.Add(new(dataName, _text.ToString()));
                    break;
                case "RenderingInfo":
                    SetRenderingField(e, name, _text.ToString());
                    break;
            }
        }
        if (_depth >= 3 && _path[1] == "UserData" && !_hadChild[_depth - 1])
        {
            e.Data.Add(new(name, _text.ToString()));
        }
        _depth--;
        _text.Clear();
    }

    private static void SetSystemField(SysmonEvent e, string name, string text)
    {
        switch (name)
        {
            case "EventID":
                if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id)) e.EventId = id;
                else throw new EvtxFormatException($"EventID '{text}' is not a number");
                break;
            case "Version": e.Version = Int(text); break;
            case "Level": e.Level = Int(text); break;
            case "Task": e.Task = Int(text); break;
            case "Opcode": e.Opcode = Int(text); break;
            case "Keywords": e.Keywords = NullIfEmpty(text); break;
            case "EventRecordID": e.RecordId = Long(text); break;
            case "Channel": e.Channel = NullIfEmpty(text); break;
            case "Computer": e.Computer = NullIfEmpty(text); break;
        }
    }

    private static void SetRenderingField(SysmonEvent e, string name, string text)
    {
        switch (name)
        {
            case "Message": e.Message = text; break;
            case "Level": e.LevelName = NullIfEmpty(text); break;
            case "Task": e.TaskName = NullIfEmpty(text); break;
            case "Opcode": e.OpcodeName = NullIfEmpty(text); break;
        }
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static int? Int(string s) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static long? Long(string s) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
}
