namespace Sysmon.Elastic.Generation;

/// <summary>One generated Sysmon event: id, time, host, and EventData values by field name (written in the
/// catalogue's manifest order). The record id is assigned per host once its events are in time order.</summary>
public sealed class GeneratedEvent(int id, DateTime time, Dictionary<string, string> data)
{
    public int Id { get; } = id;
    public DateTime Time { get; } = time;
    public Dictionary<string, string> Data { get; } = data;
    public long RecordId { get; set; }

    /// <summary>Tie-break for events at the same millisecond: the order they were generated in.</summary>
    public long Sequence { get; set; }
}
