namespace Sysmon.Ingest.Events;

/// <summary>
/// One Sysmon event as read, before any mapping: the System fields and the EventData name/value pairs in
/// document order. Readers fill it from any of the input forms; the ECS mapper reads only this.
/// </summary>
public sealed class SysmonEvent
{
    public string? Provider { get; set; }
    public string? ProviderGuid { get; set; }
    public int EventId { get; set; }
    public int? Version { get; set; }
    public int? Level { get; set; }
    public int? Task { get; set; }
    public int? Opcode { get; set; }
    public string? Keywords { get; set; }
    /// <summary>System/TimeCreated, UTC. Null when the source only had a collector-local time.</summary>
    public DateTimeOffset? TimeCreated { get; set; }
    /// <summary>When the collector saw the event (e.g. a shipper's @timestamp): the last resort for @timestamp
    /// when the event has neither UtcTime nor a UTC TimeCreated.</summary>
    public DateTimeOffset? ObservedTime { get; set; }
    public long? RecordId { get; set; }
    public long? ExecutionProcessId { get; set; }
    public long? ExecutionThreadId { get; set; }
    public string? Channel { get; set; }
    public string? Computer { get; set; }
    public string? UserSid { get; set; }
    /// <summary>The rendered task name (e.g. "Process Create (rule: ProcessCreate)") when the source had it.</summary>
    public string? TaskName { get; set; }
    public string? LevelName { get; set; }
    public string? OpcodeName { get; set; }
    /// <summary>The shipper's host id and agent, when a Winlogbeat / Elastic Agent document carried them.</summary>
    public ShipperIdentity? Shipper { get; set; }
    /// <summary>The rendered message, when the source carried one.</summary>
    public string? Message { get; set; }

    /// <summary>EventData, in document order, every pair kept as read (empty values too).</summary>
    public List<KeyValuePair<string, string>> Data { get; } = new(24);

    /// <summary>True when <see cref="Data"/> was recovered from the rendered message rather than structured fields.</summary>
    public bool DataFromMessage { get; set; }

    /// <summary>The record's original text (XML element, JSON object or message block), when asked to keep it.</summary>
    public string? Original { get; set; }

    public SourcePosition Position { get; set; }

    public string? GetData(string name)
    {
        var data = Data;
        for (var i = 0; i < data.Count; i++)
        {
            if (string.Equals(data[i].Key, name, StringComparison.Ordinal)) return data[i].Value;
        }
        return null;
    }

    public bool HasData(string name) => GetData(name) is not null;

    public void SetData(string name, string value)
    {
        var data = Data;
        for (var i = 0; i < data.Count; i++)
        {
            if (string.Equals(data[i].Key, name, StringComparison.Ordinal))
            {
                data[i] = new(name, value);
                return;
            }
        }
        data.Add(new(name, value));
    }
}
