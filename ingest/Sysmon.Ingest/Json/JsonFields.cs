using System.Text.Json;

namespace Sysmon.Ingest.Json;

/// <summary>
/// A JSON object flattened to (dotted path, scalar text) pairs in document order. Numbers keep their JSON
/// text, booleans become true/false, nulls and arrays of objects are left out; arrays of scalars are joined
/// with ", ". Enough for every Sysmon JSON layout, without a DOM per event.
/// </summary>
internal sealed class JsonFields
{
    public List<KeyValuePair<string, string>> Pairs { get; } = new(48);

    private Utf8NameCache _names = null!;
    private Utf8ValueCache _values = null!;

    public static JsonFields Parse(ReadOnlySpan<byte> json, Utf8NameCache names, Utf8ValueCache values)
    {
        var fields = new JsonFields { _names = names, _values = values };
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("not a JSON object");
        fields.ReadObject(ref reader, "");
        if (reader.Read()) throw new JsonException("trailing data after the object");
        return fields;
    }

    private void ReadObject(ref Utf8JsonReader reader, string prefix)
    {
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject) return;
            var name = reader.ValueIsEscaped || reader.HasValueSequence ? reader.GetString()! : _names.Get(reader.ValueSpan);
            var path = _names.Path(prefix, name);
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    ReadObject(ref reader, path);
                    break;
                case JsonTokenType.StartArray:
                    ReadArray(ref reader, path);
                    break;
                case JsonTokenType.Null:
                    break;
                default:
                    Pairs.Add(new(path, Scalar(ref reader, _values)));
                    break;
            }
        }
        throw new JsonException("unterminated object");
    }

    private void ReadArray(ref Utf8JsonReader reader, string path)
    {
        List<string>? values = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.EndArray:
                    if (values is not null) Pairs.Add(new(path, string.Join(", ", values)));
                    return;
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    reader.Skip();
                    break;
                case JsonTokenType.Null:
                    break;
                default:
                    (values ??= new List<string>(2)).Add(Scalar(ref reader, _values));
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
