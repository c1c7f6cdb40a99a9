using System.Buffers;
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

    public static void Write(Utf8JsonWriter writer, EcsDocument document)
    {
        document.SortFields();
        var fields = document.Fields;
        writer.WriteStartObject();
        // open[i] = the path segment range of the i-th open nested object.
        Span<Range> open = stackalloc Range[16];
        var depth = 0;
        string? openPath = null;
        for (var f = 0; f < fields.Count; f++)
        {
            var path = fields[f].Key;
            // Close objects that are not a prefix of this path.
            var common = CommonDepth(openPath, open[..depth], path);
            for (; depth > common; depth--) writer.WriteEndObject();
            // Open the missing parents.
            var start = depth == 0 ? 0 : open[depth - 1].End.Value + 1;
            while (true)
            {
                var dot = path.IndexOf('.', start);
                if (dot < 0 || depth == open.Length) break;
                writer.WritePropertyName(path.AsSpan(start, dot - start));
                writer.WriteStartObject();
                open[depth++] = new Range(start, dot);
                start = dot + 1;
            }
            openPath = path;
            writer.WritePropertyName(path.AsSpan(start));
            WriteValue(writer, fields[f].Value);
        }
        for (; depth > 0; depth--) writer.WriteEndObject();
        writer.WriteEndObject();
    }

    // How many of the currently open objects (segments of openPath) are also parents of path.
    private static int CommonDepth(string? openPath, ReadOnlySpan<Range> open, string path)
    {
        if (openPath is null) return 0;
        var i = 0;
        for (; i < open.Length; i++)
        {
            var end = open[i].End.Value;
            if (path.Length <= end || path[end] != '.' ||
                !openPath.AsSpan(0, end).SequenceEqual(path.AsSpan(0, end)))
            {
                break;
            }
        }
        return i;
    }

    private static void WriteValue(Utf8JsonWriter writer, EcsValue value)
    {
        switch (value.Kind)
        {
            case EcsValueKind.String:
                writer.WriteStringValue(value.AsString);
                break;
            case EcsValueKind.Long:
                writer.WriteNumberValue(value.AsLong);
                break;
            case EcsValueKind.Bool:
                writer.WriteBooleanValue(value.AsBool);
                break;
            case EcsValueKind.Strings:
                writer.WriteStartArray();
                foreach (var s in value.AsStrings) writer.WriteStringValue(s);
                writer.WriteEndArray();
                break;
            case EcsValueKind.Objects:
                writer.WriteStartArray();
                foreach (var o in value.AsObjects) Write(writer, o);
                writer.WriteEndArray();
                break;
            case EcsValueKind.Map:
                writer.WriteStartObject();
                foreach (var kv in value.AsMap) writer.WriteString(kv.Key, kv.Value);
                writer.WriteEndObject();
                break;
        }
    }

    /// <summary>The document as a JSON string (tests, dead letters, small outputs).</summary>
    public static string ToJson(EcsDocument document)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions)) Write(writer, document);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
