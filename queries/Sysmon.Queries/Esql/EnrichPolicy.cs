namespace Sysmon.Queries.Esql;

/// <summary>An enrich policy of the store: the indicator table, its match field, and how an event value matches a row
/// (<c>{value}</c> stands for the event's value, <c>{number}</c> for its numeric IP form, <c>i</c> is the indicator row).</summary>
public sealed record EnrichPolicy(string Table, string MatchField, string Condition, IReadOnlyList<string> EnrichFields, bool NeedsIpNumber = false);
