using System.Text;
using System.Text.Json;
using Sysmon.Ingest.Json;

namespace Sysmon.Ingest.Ecs;

/// <summary>
/// Reads an ECS document back from the JSON <see cref="Output.EcsJsonWriter"/> writes (a store's stored document, an
/// Elasticsearch <c>_source</c>): nested objects become dotted paths, <c>winlog.event_data</c> its string map, arrays of
/// objects (<c>dns.answers</c>, <c>threat.enrichments</c>) lists of documents, other arrays string lists. Writing the
/// result gives the same JSON. Streaming (no DOM); one instance per thread, since it remembers the paths it has seen
/// so that a million documents of one shape share their path strings.
/// </summary>
public sealed class EcsJsonReader
{
    /// <summary>The fields whose object is a map with keys kept verbatim (dots included), not nested fields.</summary>
    public static readonly IReadOnlySet<string> MapFields = new HashSet<string>(StringComparer.Ordinal) { "winlog.event_data" };

    private readonly Utf8NameCache _names = new();

    /// <summary>The document in <paramref name="utf8Json"/>, its <see cref="EcsDocument.Id"/> from <c>event.id</c>.</summary>
    /// <exception cref="FormatException">Not a JSON object, or not valid JSON; the message says where.</exception>
    public EcsDocument Read(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new FormatException("a stored document is not a JSON object");
            }
            var doc = new EcsDocument();
            ReadObject(ref reader, doc, "");
            if (reader.Read()) throw new FormatException($"text after the document's end at byte {reader.TokenStartIndex}");
            doc.Id = doc.GetString("event.id");
            return doc;
        }
        catch (JsonException ex)
        {
            throw new FormatException($"a stored document is not valid JSON: {ex.Message}", ex);
        }
    }

    public EcsDocument Read(string json)
    {
        var bytes = System.Buffers.ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(json.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(json, bytes);
            return Read(bytes.AsSpan(0, length));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>One field's value given as JSON text (a store's JSON column: objects, arrays, maps) under the field's
    /// path, as <see cref="Output.EcsJsonWriter.ValueToJson"/> wrote it; null for JSON null.</summary>
    public EcsValue? ReadValue(string path, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes);
        try
        {
            if (!reader.Read()) throw new FormatException($"{path}: empty JSON value");
            if (reader.TokenType == JsonTokenType.StartObject && !MapFields.Contains(path))
            {
                throw new FormatException($"{path}: an object where a value was expected");
            }
            return Value(ref reader, path);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{path}: not valid JSON: {ex.Message}", ex);
        }
    }

    // The members of the object the reader stands at the start of, each under prefix.
    private void ReadObject(ref Utf8JsonReader reader, EcsDocument doc, string prefix)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var path = _names.Path(prefix, Name(ref reader));
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject && !MapFields.Contains(path))
            {
                ReadObject(ref reader, doc, path);
                continue;
            }
            if (Value(ref reader, path) is { } value) doc.Set(path, value);
        }
    }

    // The value the reader stands at (a scalar, an array, or a map); null for JSON null.
    private EcsValue? Value(ref Utf8JsonReader reader, string path)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return EcsValue.Of(reader.GetString()!);
            case JsonTokenType.Number:
                // ECS numbers written here are whole; a fraction (a cluster's own field) is kept as its text.
                return reader.TryGetInt64(out var n) ? EcsValue.Of(n) : EcsValue.Of(RawText(ref reader));
            case JsonTokenType.True:
            case JsonTokenType.False:
                return EcsValue.Of(reader.GetBoolean());
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.StartObject:
                return EcsValue.Of(ReadMap(ref reader));
            case JsonTokenType.StartArray:
                return ReadArray(ref reader, path);
            default:
                throw new FormatException($"{path}: unexpected {reader.TokenType}");
        }
    }

    // A map's members, keys verbatim; values that are not strings are kept as their JSON text.
    private List<KeyValuePair<string, string>> ReadMap(ref Utf8JsonReader reader)
    {
        var map = new List<KeyValuePair<string, string>>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = Name(ref reader);
            reader.Read();
            map.Add(new(key, Text(ref reader)));
        }
        return map;
    }

    // An array of objects (each a document of its own) or of scalars (strings; others as their JSON text).
    private EcsValue ReadArray(ref Utf8JsonReader reader, string path)
    {
        List<string>? strings = null;
        List<EcsDocument>? objects = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.StartObject && strings is null)
            {
                var element = new EcsDocument(8);
                ReadObject(ref reader, element, "");
                (objects ??= []).Add(element);
            }
            else if (objects is null)
            {
                if (reader.TokenType == JsonTokenType.Null) continue;
                (strings ??= []).Add(Text(ref reader));
            }
            else
            {
                throw new FormatException($"{path}: an array mixing objects and values");
            }
        }
        return objects is not null ? EcsValue.Of(objects) : EcsValue.Of(strings ?? []);
    }

    private string Name(ref Utf8JsonReader reader) =>
        reader.ValueIsEscaped ? reader.GetString()! : _names.Get(reader.ValueSpan);

    // A scalar as text: strings as they are, anything else (numbers, booleans, nested JSON) as its JSON text.
    private static string Text(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String) return reader.GetString()!;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            using var nested = JsonDocument.ParseValue(ref reader); // rare: a cluster's own field
            return nested.RootElement.GetRawText();
        }
        return RawText(ref reader);
    }

    private static string RawText(ref Utf8JsonReader reader) => Encoding.UTF8.GetString(reader.ValueSpan);
}
