namespace Sysmon.Ingest.Csv;

/// <summary>
/// The columns of the two CSV exports of an event log that responders meet:
/// <list type="bullet">
/// <item><c>Get-WinEvent ... | Export-Csv</c> (or <c>ConvertTo-Csv</c>, any column subset or order from
/// <c>Select-Object</c>): EventLogRecord's properties by name (Message, Id, RecordId, MachineName, LogName, ...).</item>
/// <item>Event Viewer's "Save All Events As... CSV": Level, Date and Time, Source, Event ID, Task Category, then the
/// message in a sixth column without a name.</item>
/// </list>
/// What the columns mean is <see cref="Sysmon.Ingest.Events.EventLogRecordProperties"/>.
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

    /// <summary>True when <paramref name="firstLine"/> (UTF-8) starts one of these exports: PowerShell's (a "#TYPE"
    /// line, or a quoted header naming the Message column) or Event Viewer's.</summary>
    public static bool StartsExport(ReadOnlySpan<byte> firstLine) =>
        firstLine.StartsWith("#TYPE "u8) ||
        (firstLine.StartsWith("\""u8) && firstLine.IndexOf("\"Message\""u8) >= 0) ||
        firstLine.StartsWith("Level,Date and Time,Source,Event ID,Task Category"u8);

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

    /// <summary>The row's <c>EventLogRecord</c> properties by name (null when absent or empty).</summary>
    public Func<string, string?> Properties(List<string> row) => name => Value(row, name);

    private string? Value(List<string> row, string name) =>
        _index.TryGetValue(name, out var i) && i < row.Count && row[i].Length > 0 ? row[i] : null;
}
