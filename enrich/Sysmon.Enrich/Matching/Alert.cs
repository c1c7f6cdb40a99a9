namespace Sysmon.Enrich.Matching;

/// <summary>One indicator match on one event: written to the alerts table/data stream, at most once.</summary>
public sealed record Alert(string EventId, DateTimeOffset Timestamp, string? EventCode, string? Host, string MatchedField,
    string MatchedAtomic, string IndicatorId, string Feed, string Source)
{
    /// <summary>Deterministic: the same match (event, field, indicator) is never alerted twice.</summary>
    public string Id => $"{EventId}|{MatchedField}|{IndicatorId}";
}
