namespace Sysmon.Enrich.Matching;

/// <summary>The current <see cref="Indicators.IndicatorSet"/>, swapped atomically after each refresh: readers
/// always see one whole set, old or new, never a half-built one.</summary>
public sealed class IndicatorSetHolder
{
    private Indicators.IndicatorSet _current = Indicators.IndicatorSet.Empty;

    public Indicators.IndicatorSet Current => Volatile.Read(ref _current);

    public void Swap(Indicators.IndicatorSet next) => Volatile.Write(ref _current, next);
}
