using Sysmon.Enrich.Indicators;

namespace Sysmon.Enrich.Formats;

/// <summary>What a feed payload held: the indicators (de-duplicated), and how many entries were invalid, with examples.
/// Or, made with a sink, the indicators handed on one at a time as they are parsed, none of them held.</summary>
public sealed class FeedParseResult
{
    // By type and the value string the indicator holds anyway: a "type|value" string each was ~190 MB for 1,000,000 hashes.
    private readonly HashSet<(IndicatorType, string)>? _seen;
    private readonly Action<Indicator>? _sink;
    private const int MaxExamples = 10;

    public FeedParseResult() => _seen = [];

    /// <summary>Hands each indicator to <paramref name="sink"/> as it is parsed. A value listed twice is handed twice
    /// (a set to find it would hold every value): the store keeps one.</summary>
    public FeedParseResult(Action<Indicator> sink) => _sink = sink;

    /// <summary>The indicators, when no sink was given.</summary>
    public List<Indicator> Indicators { get; } = [];

    /// <summary>The indicators taken: listed, or handed to the sink.</summary>
    public int Count { get; private set; }

    public int Rejected { get; private set; }
    public List<string> RejectionExamples { get; } = [];

    public double RejectedRatio => Count + Rejected == 0 ? 0 : (double)Rejected / (Count + Rejected);

    public void Add(Indicator indicator)
    {
        if (_sink is not null)
        {
            Count++;
            _sink(indicator);
        }
        else if (_seen!.Add((indicator.Type, indicator.Value)))
        {
            Count++;
            Indicators.Add(indicator);
        }
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
