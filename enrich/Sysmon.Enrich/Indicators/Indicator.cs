namespace Sysmon.Enrich.Indicators;

/// <summary>One normalised indicator from a feed: the value in canonical form (lower-case hashes, canonical IPs
/// and CIDRs, IDNA lower-case domains without a trailing dot) and where it came from.</summary>
public sealed record Indicator(IndicatorType Type, string Value, string Feed)
{
    public string? Description { get; init; }
    public string? Reference { get; init; }
    public string? Confidence { get; init; }
    public string? Tlp { get; init; }

    /// <summary>A stable id (feed, type, value), so a refresh upserts instead of duplicating.</summary>
    public string Id => $"{Feed}|{Type}|{Value}";
}
