namespace Sysmon.Enrich.Indicators;

/// <summary>
/// Stored indicators a load left out because their kind is none this version knows (a row added by hand, a newer
/// version's kind): counted and the first one named, never a failed load. One such row used to stop every ingest.
/// </summary>
public readonly record struct SkippedIndicators(long Count, string? First)
{
    /// <summary>Counts <paramref name="kind"/>'s row as left out.</summary>
    public SkippedIndicators Add(string? kind, string? value, string? feed) =>
        new(Count + 1, First ?? $"'{value}' of feed {feed ?? "(none)"} has kind '{kind}', none of {string.Join(", ", Enum.GetNames<IndicatorType>())}");

    /// <summary>The warning to show, or null when none was left out.</summary>
    public string? Warning => Count == 0 ? null
        : $"{Count:N0} stored indicator(s) left out of matching: {First}";
}
