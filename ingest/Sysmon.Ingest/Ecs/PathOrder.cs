using System.Collections.Frozen;

namespace Sysmon.Ingest.Ecs;

/// <summary>
/// The ordinal order of every field path seen so far, as integer ranks: sorting a document's fields (done before
/// every write) then compares integers instead of long dotted strings that share their prefixes. Documents use a
/// few hundred distinct paths, so the table is rebuilt (rarely) when one is new; past <see cref="MaxPaths"/> callers
/// fall back to comparing strings.
/// </summary>
internal static class PathOrder
{
    public const int MaxPaths = 20_000;
    private static readonly Lock Gate = new();
    private static readonly SortedSet<string> Known = new(StringComparer.Ordinal);
    private static volatile Ranks _ranks = new(FrozenDictionary<string, int>.Empty);

    /// <summary>One table of ranks, and its memo by path object (a table rebuilt for a new path ranks anew).</summary>
    public sealed class Ranks(FrozenDictionary<string, int> table)
    {
        private readonly PathMemo<int> _memo = new();

        public bool Contains(string path) => TryGet(path, out _);

        public bool TryGet(string path, out int rank)
        {
            if (_memo.TryGet(path, out rank)) return true;
            if (!table.TryGetValue(path, out rank)) return false;
            _memo.Set(path, rank);
            return true;
        }
    }

    /// <summary>The ranks of the paths seen so far (a document with a path not in it asks <see cref="For"/>).</summary>
    public static Ranks Current => _ranks;

    /// <summary>Ranks valid for all of <paramref name="fields"/>' paths (one consistent table), or null past the cap.</summary>
    public static Ranks? For(List<KeyValuePair<string, EcsValue>> fields)
    {
        var ranks = _ranks;
        foreach (var (path, _) in fields)
        {
            if (!ranks.Contains(path)) return Add(fields);
        }
        return ranks;
    }

    private static Ranks? Add(List<KeyValuePair<string, EcsValue>> fields)
    {
        lock (Gate)
        {
            foreach (var (path, _) in fields)
            {
                if (Known.Count >= MaxPaths && !Known.Contains(path)) return null;
                Known.Add(path);
            }
            var rank = 0;
            var table = new Dictionary<string, int>(Known.Count, StringComparer.Ordinal);
            foreach (var path in Known) table[path] = rank++;
            return _ranks = new Ranks(table.ToFrozenDictionary(StringComparer.Ordinal));
        }
    }
}
