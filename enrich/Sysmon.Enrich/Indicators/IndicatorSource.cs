namespace Sysmon.Enrich.Indicators;

/// <summary>
/// A feed's indicators, handed to <paramref name="each"/> one at a time as a parser reads them, so that a store can
/// stage them as they come instead of being given a list of them all (a million hashes held as objects were ~230 MB).
/// It may throw once it has handed some (a payload found mostly invalid at its end): the store then keeps the feed's
/// last good set. A store may call it more than once (a retry), and each call hands the whole set again.
/// </summary>
public delegate void IndicatorSource(Action<Indicator> each);
