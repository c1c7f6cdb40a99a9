using System.Text;

namespace Sysmon.Ingest.Json;

/// <summary>
/// Turns repeated UTF-8 property names (and dotted paths built from them) into the same string instances, so
/// reading a million documents of one shape does not allocate a million copies of "winlog.event_data.Image".
/// Bounded: past <see cref="MaxEntries"/> new names are simply allocated.
/// </summary>
internal sealed class Utf8NameCache
{
    private const int MaxEntries = 4096;
    private readonly Dictionary<int, string[]> _names = [];
    // Keyed by the two strings' identity: they come from this cache, and hashing their text (a tuple of two strings
    // hashes both whole) was most of a path's cost, ~40 times per event. A name that is not the cached instance (escaped,
    // or past the bound) is simply another key.
    private readonly Dictionary<(string Prefix, string Name), string> _paths = new(PairByIdentity<string, string>.Instance);
    private int _count;

    public string Get(ReadOnlySpan<byte> utf8)
    {
        var hash = Hash(utf8);
        if (_names.TryGetValue(hash, out var bucket))
        {
            foreach (var s in bucket)
            {
                if (Matches(s, utf8)) return s;
            }
        }
        var value = Encoding.UTF8.GetString(utf8);
        if (_count >= MaxEntries) return value;
        _names[hash] = bucket is null ? [value] : [.. bucket, value];
        _count++;
        return value;
    }

    public string Path(string prefix, string name)
    {
        if (prefix.Length == 0) return name;
        if (_paths.TryGetValue((prefix, name), out var path)) return path;
        path = string.Concat(prefix, ".", name);
        if (_paths.Count < MaxEntries) _paths[(prefix, name)] = path;
        return path;
    }

    private static int Hash(ReadOnlySpan<byte> s)
    {
        var h = new HashCode();
        h.AddBytes(s);
        return h.ToHashCode();
    }

    private static bool Matches(string s, ReadOnlySpan<byte> utf8)
    {
        if (s.Length != utf8.Length) return false; // names are ASCII in practice; others simply miss
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != utf8[i]) return false;
        }
        return true;
    }
}
