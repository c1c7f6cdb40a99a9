using System.Runtime.CompilerServices;

namespace Sysmon.Ingest.Json;

/// <summary>Compares pairs of objects by identity: for keys made of cached instances (names, paths, tree nodes),
/// whose texts would otherwise be hashed whole at every lookup.</summary>
internal sealed class PairByIdentity<TFirst, TSecond> : IEqualityComparer<(TFirst, TSecond)>
    where TFirst : class
    where TSecond : class
{
    public static readonly PairByIdentity<TFirst, TSecond> Instance = new();

    public bool Equals((TFirst, TSecond) x, (TFirst, TSecond) y) => ReferenceEquals(x.Item1, y.Item1) && ReferenceEquals(x.Item2, y.Item2);

    public int GetHashCode((TFirst, TSecond) key) => HashCode.Combine(RuntimeHelpers.GetHashCode(key.Item1), RuntimeHelpers.GetHashCode(key.Item2));
}
