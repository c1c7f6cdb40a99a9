namespace Sysmon.Ingest.Ecs;

/// <summary>
/// An ECS document as a flat list of dotted field paths and values. Flat is what the stores need (one column
/// per field); the NDJSON writer nests it. Paths must not be both a leaf and a parent of another path.
/// </summary>
public sealed class EcsDocument
{
    private readonly List<KeyValuePair<string, EcsValue>> _fields;
    // One bit per (length, last char) bucket of the paths present: most lookups of an absent path end here
    // instead of scanning the list (the mapper asks "is it there?" far more often than the answer is yes).
    private ulong _present;
    // Whether the fields are in path order (a document is written more than once: the DuckDB sink sorts it first).
    private bool _sorted;

    /// <param name="capacity">Fields expected: an event's document holds 30-60; a nested object (a DNS answer) two,
    /// and 64 slots for it were 1.5 KB of garbage per answer.</param>
    public EcsDocument(int capacity = 64) => _fields = new(capacity);

    private static ulong Bit(string path) => 1UL << ((path.Length * 7 + path[^1]) & 63);

    public IReadOnlyList<KeyValuePair<string, EcsValue>> Fields => _fields;

    public int Count => _fields.Count;

    /// <summary>Fields the document has room for without growing its list.</summary>
    internal int Capacity => _fields.Capacity;

    /// <summary>The deterministic document id (also written as <c>event.id</c>).</summary>
    public string? Id { get; set; }

    public void Set(string path, EcsValue value)
    {
        var i = IndexOf(path);
        if (i >= 0)
        {
            _fields[i] = new(path, value);
            return;
        }
        _fields.Add(new(path, value));
        _present |= Bit(path);
        _sorted = false;
    }

    public void Set(string path, string value) => Set(path, EcsValue.Of(value));
    public void Set(string path, long value) => Set(path, EcsValue.Of(value));
    public void Set(string path, bool value) => Set(path, EcsValue.Of(value));

    /// <summary>Appends to a string-array field, creating it; <paramref name="distinct"/> skips values already there.</summary>
    public void Append(string path, string value, bool distinct = false)
    {
        var i = IndexOf(path);
        if (i < 0)
        {
            _fields.Add(new(path, EcsValue.Of(new List<string>(2) { value })));
            _present |= Bit(path);
            _sorted = false;
            return;
        }
        var list = _fields[i].Value.AsStrings;
        if (distinct && list.Contains(value)) return;
        list.Add(value);
    }

    public bool TryGet(string path, out EcsValue value)
    {
        var i = IndexOf(path);
        if (i < 0)
        {
            value = default;
            return false;
        }
        value = _fields[i].Value;
        return true;
    }

    public string? GetString(string path) =>
        TryGet(path, out var v) && v.Kind == EcsValueKind.String ? v.AsString : null;

    public long? GetLong(string path) =>
        TryGet(path, out var v) && v.Kind == EcsValueKind.Long ? v.AsLong : null;

    public bool Remove(string path)
    {
        var i = IndexOf(path);
        if (i < 0) return false;
        _fields.RemoveAt(i);
        return true;
    }

    public bool Contains(string path) => IndexOf(path) >= 0;

    private int IndexOf(string path)
    {
        if ((_present & Bit(path)) == 0) return -1;
        var fields = _fields;
        for (var i = 0; i < fields.Count; i++)
        {
            if (string.Equals(fields[i].Key, path, StringComparison.Ordinal)) return i;
        }
        return -1;
    }

    /// <summary>Puts the fields in ordinal path order (the writers nest by it; <see cref="Fields"/> indexes are
    /// stable until the next new field), by integer rank: a few µs less per document than comparing the dotted
    /// strings. Nothing to do when nothing was added since the last sort.</summary>
    public void SortFields()
    {
        if (_sorted) return;
        _sorted = true;
        var n = _fields.Count;
        if (n < 2) return;
        Span<long> keys = n <= 512 ? stackalloc long[n] : new long[n];
        var ranks = PathOrder.Current;
        var sorted = true;
        for (var i = 0; i < n; i++)
        {
            if (!ranks.TryGet(_fields[i].Key, out var rank))
            {
                // A path not ranked yet (rare): a new table that ranks all of them, and start over.
                if (PathOrder.For(_fields) is not { } all)
                {
                    _fields.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
                    return;
                }
                ranks = all;
                sorted = true;
                i = -1;
                continue;
            }
            keys[i] = ((long)rank << 32) | (uint)i;
            if (i > 0 && keys[i] < keys[i - 1]) sorted = false;
        }
        if (sorted) return;
        keys.Sort();
        var copy = System.Buffers.ArrayPool<KeyValuePair<string, EcsValue>>.Shared.Rent(n);
        _fields.CopyTo(copy);
        for (var i = 0; i < n; i++) _fields[i] = copy[(int)(keys[i] & 0xFFFF_FFFF)];
        Array.Clear(copy, 0, n);
        System.Buffers.ArrayPool<KeyValuePair<string, EcsValue>>.Shared.Return(copy);
    }
}
