namespace Sysmon.Ingest.Catalogue;

/// <summary>One row of the event catalogue (Catalogue/sysmon-events.tsv).</summary>
public sealed class EventDefinition
{
    public required int Id { get; init; }
    /// <summary>The Sysmon configuration element that tags the event, or null (events 4, 16, 255).</summary>
    public required string? RuleTag { get; init; }
    /// <summary>Header lines of the rendered message, current first (e.g. "Process Create:").</summary>
    public required IReadOnlyList<string> Headers { get; init; }
    public required int Version { get; init; }
    public required IReadOnlyList<string> Categories { get; init; }
    public required IReadOnlyList<string> Types { get; init; }
    public required string Action { get; init; }
    /// <summary>EventData field names in manifest order (the order of the rendered message's lines).</summary>
    public required IReadOnlyList<string> Fields { get; init; }

    /// <summary>The rendered task name, e.g. "Process Create (rule: ProcessCreate)".</summary>
    public string TaskName => RuleTag is null ? Headers[0].TrimEnd(':') : $"{Headers[0].TrimEnd(':')} (rule: {RuleTag})";

    public bool HasField(string name)
    {
        for (var i = 0; i < Fields.Count; i++)
        {
            if (string.Equals(Fields[i], name, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
