using System.Buffers;
using System.Text.Json;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Output;

namespace Sysmon.Stores.Elasticsearch.Writing;

/// <summary><c>create</c> (data streams, and anything written once) or <c>index</c> (upsert by id).</summary>
public enum BulkAction { Create, Index }

/// <summary>One <c>_bulk</c> request body: NDJSON <c>create</c> actions with the documents' deterministic ids, and
/// which documents (by position in the batch) it carries, in order.</summary>
public sealed class BulkBody
{

    public ArrayBufferWriter<byte> Buffer { get; } = new(64 * 1024);

    public List<int> Documents { get; } = [];

    public int Length => Buffer.WrittenCount;

    /// <summary>Serializes <paramref name="positions"/> of <paramref name="docs"/> into bodies of about
    /// <paramref name="maxBytes"/> each (a body is closed once it reaches the limit, so it may exceed it by one document).
    /// Data streams accept only <c>create</c>; the id makes a second write of the same event a 409, not a copy.</summary>
    public static List<BulkBody> Build(IReadOnlyList<EcsDocument> docs, IEnumerable<int> positions, string index, int maxBytes, BulkAction action = BulkAction.Create)
    {
        var bodies = new List<BulkBody>();
        var body = new BulkBody();
        using var writer = new Utf8JsonWriter(body.Buffer, EcsJsonWriter.WriterOptions);
        var indexName = JsonEncodedText.Encode(index);
        var prefix = action == BulkAction.Create ? "{\"create\":{\"_index\":\""u8.ToArray() : "{\"index\":{\"_index\":\""u8.ToArray();
        foreach (var i in positions)
        {
            var doc = docs[i];
            WriteAction(body.Buffer, prefix, indexName, doc.Id);
            writer.Reset(body.Buffer);
            EcsJsonWriter.Write(writer, doc);
            writer.Flush();
            NewLine(body.Buffer);
            body.Documents.Add(i);
            if (body.Length >= maxBytes)
            {
                bodies.Add(body);
                body = new BulkBody();
            }
        }
        if (body.Documents.Count > 0) bodies.Add(body);
        return bodies;
    }

    private static void WriteAction(ArrayBufferWriter<byte> buffer, byte[] prefix, JsonEncodedText index, string? id)
    {
        buffer.Write(prefix);
        buffer.Write(index.EncodedUtf8Bytes);
        if (id is null)
        {
            buffer.Write("\"}}\n"u8);
            return;
        }
        buffer.Write("\",\"_id\":"u8);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStringValue(id);
        }
        buffer.Write("}}\n"u8);
    }

    private static void NewLine(ArrayBufferWriter<byte> buffer)
    {
        buffer.GetSpan(1)[0] = (byte)'\n';
        buffer.Advance(1);
    }
}
