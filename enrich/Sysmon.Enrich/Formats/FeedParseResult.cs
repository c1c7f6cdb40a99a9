using Sysmon.Enrich.Indicators;

namespace Sysmon.Enrich.Formats;

/// <summary>What a feed payload held: the indicators (de-duplicated), and how many entries were invalid, with examples.</summary>
public sealed class FeedParseResult
{
    // By type and the value string the indicator holds anyway: a "type|value" string each was ~190 MB for 1,000,000 hashes.
    private readonly HashSet<(IndicatorType, string)> _seen = [];
    private const int MaxExamples = 10;

    public List<Indicator> Indicators { get; } = [];
    public int Rejected { get; private set; }
    public List<string> RejectionExamples { get; } = [];

    public double RejectedRatio => Indicators.Count + Rejected == 0 ? 0 : (double)Rejected / (Indicators.Count + Rejected);

    public void Add(Indicator indicator)
    {
        if (_seen.Add((indicator.Type, indicator.Value))) Indicators.Add(indicator);
    }

    public void Reject(int line, string reason)
    {
        Rejected++;
        if (RejectionExamples.Count < MaxExamples) RejectionExamples.Add($"line {line}: {reason}");
    }

    public void AddValue(string value, string feed, int line, IndicatorType? expected = null)
    {
        if (IndicatorParser.TryParse(value, feed, out var indicator, out var error, expected)) Add(indicator!);
        else Reject(line, error!);
    }
}
