using Sysmon.Ingest.Events;

namespace Sysmon.Ingest.Text;

/// <summary>
/// The block that <c>wevtutil qe LOG /f:text</c> prints above each event's message: an <c>Event[N]:</c> line, then
/// indented <c>Name: value</c> lines (Log Name, Source, Date, Event ID, Task, Level, Opcode, Keyword, User, User Name,
/// Computer) up to <c>Description:</c>, after which the rendered message follows. The labels are English on every
/// system; values such as Level are localised. It carries what a bare message lacks: the computer (host.name), the
/// channel and the user's SID.
/// </summary>
internal sealed class WevtutilHeader
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    private WevtutilHeader(string text, string lineBreak, long line, long offset)
    {
        Lines.Add((text, lineBreak));
        StartLine = line;
        StartOffset = offset;
    }

    /// <summary>The header's lines as read (with their line breaks), from <c>Event[N]:</c> to <c>Description:</c>.</summary>
    public List<(string Text, string Break)> Lines { get; } = new(14);

    public long StartLine { get; }
    public long StartOffset { get; }

    /// <summary>True once the <c>Description:</c> line has been read: the message comes next.</summary>
    public bool Complete { get; private set; }

    /// <summary>The event id the header states, or null when it has none or it is not a number.</summary>
    public int? EventId => EventLogRecordProperties.EventId(Value);

    /// <summary>True when the header names a channel or provider other than Sysmon's: its message is not Sysmon's.</summary>
    public bool IsForeign => EventLogRecordProperties.IsForeign(Value);

    // wevtutil's labels, by the EventLogRecord property each one prints. Newer wevtutil prints Date in UTC with a 'Z';
    // older versions print it without a zone, and EventLogRecordProperties does not make a time of unknown zone a UTC one
    // (the message's UtcTime is the event's time anyway).
    private static readonly Dictionary<string, string> PropertyOf = new(StringComparer.Ordinal)
    {
        ["Log Name"] = "LogName", ["Source"] = "ProviderName", ["Event ID"] = "Id", ["Task"] = "TaskDisplayName",
        ["Level"] = "LevelDisplayName", ["Opcode"] = "OpcodeDisplayName", ["User"] = "UserId", ["Computer"] = "MachineName",
        ["Date"] = "TimeCreated",
    };

    /// <summary>A header starting at <paramref name="text"/> when it is an <c>Event[N]:</c> line, otherwise null.</summary>
    public static WevtutilHeader? TryStart(string text, string lineBreak, long line, long offset)
    {
        var t = text.AsSpan().TrimEnd();
        if (t.Length < "Event[0]:".Length || !t.StartsWith("Event[", StringComparison.Ordinal) || !t.EndsWith("]:", StringComparison.Ordinal)) return null;
        var number = t["Event[".Length..^2];
        foreach (var c in number)
        {
            if (!char.IsAsciiDigit(c)) return null;
        }
        return new WevtutilHeader(text, lineBreak, line, offset);
    }

    /// <summary>Takes one indented <c>Name: value</c> line; false when <paramref name="text"/> is not one.</summary>
    public bool TryAdd(string text, string lineBreak)
    {
        if (Complete || text.Length == 0 || !char.IsWhiteSpace(text[0])) return false;
        var t = text.AsSpan().Trim();
        var colon = t.IndexOf(':');
        if (colon <= 0 || (colon + 1 < t.Length && t[colon + 1] != ' ')) return false;
        var name = t[..colon].ToString();
        Lines.Add((text, lineBreak));
        if (name == "Description")
        {
            Complete = true;
            return true;
        }
        var value = t[(colon + 1)..].Trim();
        if (value.Length > 0 && !value.SequenceEqual("N/A") && PropertyOf.TryGetValue(name, out var property)) _values[property] = value.ToString();
        return true;
    }

    /// <summary>Copies what the header knows into an event read from its message.</summary>
    public void ApplyTo(SysmonEvent e) => EventLogRecordProperties.ApplyTo(e, Value);

    /// <summary>The record of another log (System, Security): an event without Sysmon data, which the channel filter
    /// counts and skips (or, under <c>--channel *</c>, is stored with its header's fields).</summary>
    public SysmonEvent ToForeignEvent(string message, SourcePosition position)
    {
        var e = new SysmonEvent { EventId = EventId ?? 0, Message = message, Position = position };
        ApplyTo(e);
        return e;
    }

    private string? Value(string name) => _values.GetValueOrDefault(name);
}
