using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sysmon.Ingest.Ecs;

namespace Sysmon.Ingest.Output;

/// <summary>
/// Writes an <see cref="EcsDocument"/> as one nested JSON object with fields in a stable (sorted) order.
/// Non-ASCII text and quotes are written literally (relaxed escaping), as Elastic's own tools do.
/// </summary>
public static class EcsJsonWriter
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,
    };

    // Each dotted path split into its pre-encoded segments once per process: documents share a few hundred paths.
    private static readonly ConcurrentDictionary<string, JsonEncodedText[]> Segments = new(StringComparer.Ordinal);

    private static readonly PathMemo<JsonEncodedText[]> SegmentsByPathObject = new();

    private static JsonEncodedText[] SegmentsOf(string path)
    {
        if (SegmentsByPathObject.TryGet(path, out var known)) return known;
        var segments = Segments.TryGetValue(path, out var s) ? s
            : Segments.Count < 100_000 ? Segments.GetOrAdd(path, static p => Encode(p))
            : Encode(path);
        SegmentsByPathObject.Set(path, segments);
        return segments;
    }

    private static JsonEncodedText[] Encode(string path) =>
        path.Split('.').Select(x => JsonEncodedText.Encode(x, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)).ToArray();

    public static void Write(Utf8JsonWriter writer, EcsDocument document) => Write(writer, document, default);

    /// <summary>Writes the document without the fields whose entry in <paramref name="skip"/> is true, by index in
    /// <see cref="EcsDocument.Fields"/> once sorted (a store that keeps those in columns of their own sorts the
    /// document first with <see cref="EcsDocument.SortFields"/>); an empty span skips nothing.</summary>
    public static void Write(Utf8JsonWriter writer, EcsDocument document, ReadOnlySpan<bool> skip)
    {
        document.SortFields();
        var fields = document.Fields;
        writer.WriteStartObject();
        JsonEncodedText[]? open = null; // segments of the previous path; the first `depth` of them are open objects
        var depth = 0;
        for (var f = 0; f < fields.Count; f++)
        {
            if (f < skip.Length && skip[f]) continue;
            var segments = SegmentsOf(fields[f].Key);
            // Close the open objects that are not parents of this path.
            var common = 0;
            while (common < depth && common < segments.Length - 1 && segments[common].Equals(open![common])) common++;
            for (; depth > common; depth--) writer.WriteEndObject();
            for (; depth < segments.Length - 1; depth++)
            {
                writer.WritePropertyName(segments[depth]);
                writer.WriteStartObject();
            }
            open = segments;
            writer.WritePropertyName(segments[^1]);
            WriteValue(writer, fields[f].Value);
        }
        for (; depth > 0; depth--) writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>One field value as JSON (string, number, boolean, array, object or map).</summary>
    public static void WriteValue(Utf8JsonWriter writer, EcsValue value)
    {
        switch (value.Kind)
        {
            case EcsValueKind.String:
                JsonStringWriter.WriteValue(writer, value.AsString);
                break;
            case EcsValueKind.Long:
                writer.WriteNumberValue(value.AsLong);
                break;
            case EcsValueKind.Bool:
                writer.WriteBooleanValue(value.AsBool);
                break;
            case EcsValueKind.Strings:
                writer.WriteStartArray();
                foreach (var s in value.AsStrings) JsonStringWriter.WriteValue(writer, s);
                writer.WriteEndArray();
                break;
            case EcsValueKind.Objects:
                writer.WriteStartArray();
                foreach (var o in value.AsObjects) Write(writer, o);
                writer.WriteEndArray();
                break;
            case EcsValueKind.Map:
                writer.WriteStartObject();
                foreach (var kv in value.AsMap)
                {
                    writer.WritePropertyName(kv.Key);
                    JsonStringWriter.WriteValue(writer, kv.Value);
                }
                writer.WriteEndObject();
                break;
        }
    }

    /// <summary>One field value as JSON text (objects, arrays and maps for the stores' JSON columns).</summary>
    public static string ValueToJson(EcsValue value)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions)) WriteValue(writer, value);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The document as a JSON string (tests, dead letters, small outputs).</summary>
    public static string ToJson(EcsDocument document)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions)) Write(writer, document);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
