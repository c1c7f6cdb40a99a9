namespace Sysmon.Enrich.Matching;

/// <summary>The current <see cref="Indicators.IndicatorSet"/>, swapped atomically after each refresh: readers
/// always see one whole set, old or new, never a half-built one.</summary>
public sealed class IndicatorSetHolder
{
    private Indicators.IndicatorSet _current = Indicators.IndicatorSet.Empty;
    private volatile bool _behind;

    public Indicators.IndicatorSet Current => Volatile.Read(ref _current);

    /// <summary>True after <see cref="MarkBehind"/> until the next <see cref="Swap"/>: the store holds indicators the
    /// set in use lacks, so a refresh that finds its feed unchanged must still load the set.</summary>
    public bool IsBehind => _behind;

    /// <summary>A feed's indicators were stored but the set could not be loaded from the store afterwards.</summary>
    public void MarkBehind() => _behind = true;

    /// <summary>Puts <paramref name="next"/> in use. Every load reads all of the store's active indicators, so any
    /// load that follows a <see cref="MarkBehind"/> catches the set up.</summary>
    public void Swap(Indicators.IndicatorSet next)
    {
        Volatile.Write(ref _current, next);
        _behind = false;
    }
}
