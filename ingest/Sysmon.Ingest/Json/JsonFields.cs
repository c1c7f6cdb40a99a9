using System.Text.Json;

namespace Sysmon.Ingest.Json;

/// <summary>
/// A JSON object flattened to (dotted path, scalar text) pairs in document order. Numbers keep their JSON
/// text, booleans become true/false, nulls and arrays of objects are left out; arrays of scalars are joined
/// with ", ". Enough for every Sysmon JSON layout, without a DOM per event; an Elasticsearch hit's _source is read in
/// place of the hit. One instance serves a whole file: each
/// <see cref="Load"/> replaces the previous object's pairs.
/// </summary>
internal sealed class JsonFields(JsonPathTree paths, Utf8ValueCache values)
{
    public List<KeyValuePair<string, string>> Pairs { get; } = new(48);

    // The last segment of each pair's path (same index), so that layouts take a name without cutting the path.
    private readonly List<string> _leaves = new(48);

    // An Elasticsearch hit's own members seen so far (_index or _id), and whether its _source was: a hit without a
    // _source (a search with "fields" and "_source": false, as Kibana's Discover asks) has its event in "fields".
    private bool _isHit, _sawSource;
    private readonly HashSet<string> _fieldNames = new(StringComparer.Ordinal);

    /// <summary>Parses <paramref name="json"/> (one object) into <see cref="Pairs"/>, replacing the last object's.</summary>
    public void Load(ReadOnlySpan<byte> json)
    {
        Pairs.Clear();
        _leaves.Clear();
        _isHit = _sawSource = false;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("not a JSON object");
        ReadObject(ref reader, paths.Root);
        if (reader.Read()) throw new JsonException("trailing data after the object");
    }

    /// <summary>The part of pair <paramref name="index"/>'s path after <paramref name="prefixLength"/> characters
    /// (the path's last name when that is all of it).</summary>
    public string PathAfter(int index, int prefixLength)
    {
        var path = Pairs[index].Key;
        var leaf = _leaves[index];
        return path.Length - prefixLength == leaf.Length ? leaf : path[prefixLength..];
    }

    private void Add(string path, string leaf, string value)
    {
        Pairs.Add(new(path, value));
        _leaves.Add(leaf);
    }

    private void ReadObject(ref Utf8JsonReader reader, JsonPathTree.Node parent)
    {
        var prefix = parent.Path;
        JsonPathTree.Node? member = null;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject) return;
            member = reader.ValueIsEscaped || reader.HasValueSequence
                ? paths.Child(parent, member, reader.GetString()!)
                : paths.Child(parent, member, reader.ValueSpan);
            var (name, path) = (member.Name, member.Path);
            reader.Read();
            switch (reader.TokenType)
            {
                // An Elasticsearch hit (elasticdump, a scroll or search exported line by line): the event is its _source,
                // read as if it were the whole object; the hit's own _index, _id, _score stay beside it.
                case JsonTokenType.StartObject when prefix.Length == 0 && name == "_source":
                    _sawSource = true;
                    ReadObject(ref reader, paths.Root);
                    break;
                case JsonTokenType.StartObject when prefix.Length == 0 && name == "fields" && _isHit:
                    if (_sawSource) reader.Skip(); // the same values again, as arrays
                    else ReadHitFields(ref reader);
                    break;
                case JsonTokenType.StartObject:
                    ReadObject(ref reader, member);
                    break;
                case JsonTokenType.StartArray:
                    ReadArray(ref reader, path, name);
                    break;
                case JsonTokenType.Null:
                    break;
                default:
                    if (prefix.Length == 0 && name is "_index" or "_id") _isHit = true;
                    Add(path, name, Scalar(ref reader, values));
                    break;
            }
        }
        throw new JsonException("unterminated object");
    }

    // A hit's "fields": each member is a field's dotted name and its values as an array (one value: that value), read
    // as members of the top object (a pair's leaf is then its whole name, which PathAfter allows for). A dynamically
    // mapped string comes twice, as text and as its .keyword multi-field: the multi-field is left out.
    private void ReadHitFields(ref Utf8JsonReader reader)
    {
        var first = Pairs.Count;
        ReadObject(ref reader, paths.Root);
        _fieldNames.Clear();
        for (var i = first; i < Pairs.Count; i++) _fieldNames.Add(Pairs[i].Key);
        for (var i = Pairs.Count - 1; i >= first; i--)
        {
            var key = Pairs[i].Key;
            var dot = key.LastIndexOf('.');
            if (dot < 0 || key.AsSpan(dot + 1) is not ("keyword" or "text" or "caseless") || !_fieldNames.Contains(key[..dot])) continue;
            Pairs.RemoveAt(i);
            _leaves.RemoveAt(i);
        }
    }

    private void ReadArray(ref Utf8JsonReader reader, string path, string leaf)
    {
        List<string>? items = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.EndArray:
                    if (items is not null) Add(path, leaf, string.Join(", ", items));
                    return;
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    reader.Skip();
                    break;
                case JsonTokenType.Null:
                    break;
                default:
                    (items ??= new List<string>(2)).Add(Scalar(ref reader, values));
                    break;
            }
        }
        throw new JsonException("unterminated array");
    }

    private static string Scalar(ref Utf8JsonReader reader, Utf8ValueCache cache) => reader.TokenType switch
    {
        JsonTokenType.String => String(ref reader, cache),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan),
    };

    private static string String(ref Utf8JsonReader reader, Utf8ValueCache cache)
    {
        if (reader.HasValueSequence || reader.ValueSpan.Length > Utf8ValueCache.MaxLength) return reader.GetString()!;
        if (!reader.ValueIsEscaped) return cache.Get(reader.ValueSpan);
        Span<byte> unescaped = stackalloc byte[Utf8ValueCache.MaxLength]; // unescaping never lengthens
        return cache.Get(unescaped[..reader.CopyString(unescaped)]);
    }

    public string? Get(string path)
    {
        foreach (var kv in Pairs)
        {
            if (string.Equals(kv.Key, path, StringComparison.Ordinal)) return kv.Value;
        }
        return null;
    }

    public string? GetIgnoreCase(string path)
    {
        foreach (var kv in Pairs)
        {
            if (string.Equals(kv.Key, path, StringComparison.OrdinalIgnoreCase)) return kv.Value;
        }
        return null;
    }

    public bool HasPrefix(string prefix)
    {
        foreach (var kv in Pairs)
        {
            if (kv.Key.StartsWith(prefix, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
