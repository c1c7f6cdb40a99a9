using System.Globalization;
using Sysmon.Ingest.Events;

namespace Sysmon.Ingest.Csv;

/// <summary>
/// The columns of the two CSV exports of an event log that responders meet:
/// <list type="bullet">
/// <item><c>Get-WinEvent ... | Export-Csv</c> (or <c>ConvertTo-Csv</c>, any column subset or order from
/// <c>Select-Object</c>): EventLogRecord's properties by name (Message, Id, RecordId, MachineName, LogName, ...).</item>
/// <item>Event Viewer's "Save All Events As... CSV": Level, Date and Time, Source, Event ID, Task Category, then the
/// message in a sixth column without a name.</item>
/// </list>
/// Times in both are the exporting machine's local time in its culture's format, without a zone, so they are not
/// read: the message's UtcTime is the event's time.
/// </summary>
internal sealed class EventLogCsvColumns
{
    private readonly Dictionary<string, int> _index;

    private EventLogCsvColumns(Dictionary<string, int> index, int message, int count)
    {
        _index = index;
        Message = message;
        Count = count;
    }

    /// <summary>The column holding the rendered message.</summary>
    public int Message { get; }

    /// <summary>How many fields a row has.</summary>
    public int Count { get; }

    private static readonly string[] EventViewerHeader = ["Level", "Date and Time", "Source", "Event ID", "Task Category"];

    /// <summary>The columns named by a header row, or null and a reason when it is not an event log export.</summary>
    public static EventLogCsvColumns? From(List<string> header, out string? error)
    {
        error = null;
        var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Count; i++) index.TryAdd(header[i].Trim(), i);
        if (index.TryGetValue("Message", out var message)) return new EventLogCsvColumns(index, message, header.Count);
        if (header.Count is 5 or 6 && EventViewerHeader.AsSpan().SequenceEqual(header.Take(5).Select(h => h.Trim()).ToArray()))
        {
            // Event Viewer's names, mapped onto EventLogRecord's.
            var mapped = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
            {
                ["LevelDisplayName"] = 0, ["ProviderName"] = 2, ["Id"] = 3, ["TaskDisplayName"] = 4,
            };
            return new EventLogCsvColumns(mapped, 5, 6);
        }
        error = "CSV without a Message column (Get-WinEvent | Export-Csv) or Event Viewer's columns " +
                "(Level, Date and Time, Source, Event ID, Task Category): not an event log export";
        return null;
    }

    /// <summary>The event id a row states, or null.</summary>
    public int? EventId(List<string> row) => int.TryParse(Value(row, "Id"), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    public string? Channel(List<string> row) => Value(row, "LogName");

    public string? Provider(List<string> row) => Value(row, "ProviderName");

    /// <summary>Copies what the row's columns know into an event read from its message.</summary>
    public void ApplyTo(List<string> row, SysmonEvent e)
    {
        e.Channel = Channel(row) ?? e.Channel;
        e.Provider = Provider(row) ?? e.Provider;
        e.Computer = Value(row, "MachineName") ?? e.Computer;
        if (Value(row, "ProviderId") is { } guid && Guid.TryParse(guid, out var g)) e.ProviderGuid = g.ToString("B");
        if (Long(row, "RecordId") is { } record) e.RecordId = record;
        if (Long(row, "Version") is { } version) e.Version = (int)version;
        if (Long(row, "Level") is { } level) e.Level = (int)level;
        if (Long(row, "Task") is { } task) e.Task = (int)task;
        if (Long(row, "Opcode") is { } opcode) e.Opcode = (int)opcode;
        // EventLogRecord.Keywords is a signed long: 0x8000000000000000 (Sysmon's) prints as -9223372036854775808.
        if (Long(row, "Keywords", NumberStyles.AllowLeadingSign) is { } keywords) e.Keywords = $"0x{unchecked((ulong)keywords):x}";
        if (Long(row, "ProcessId") is { } pid) e.ExecutionProcessId = pid;
        if (Long(row, "ThreadId") is { } tid) e.ExecutionThreadId = tid;
        if (Value(row, "UserId") is { } sid && sid.StartsWith("S-1-", StringComparison.Ordinal)) e.UserSid = sid;
        e.LevelName = Value(row, "LevelDisplayName") ?? e.LevelName;
        e.OpcodeName = Value(row, "OpcodeDisplayName") ?? e.OpcodeName;
        e.TaskName = Value(row, "TaskDisplayName") ?? e.TaskName;
    }

    private long? Long(List<string> row, string name, NumberStyles styles = NumberStyles.None) =>
        long.TryParse(Value(row, name), styles, CultureInfo.InvariantCulture, out var v) ? v : null;

    private string? Value(List<string> row, string name) =>
        _index.TryGetValue(name, out var i) && i < row.Count && row[i].Length > 0 ? row[i] : null;
}
