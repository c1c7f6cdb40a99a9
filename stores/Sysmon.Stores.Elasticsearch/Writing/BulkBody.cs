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
        // One writer for the whole batch, re-pointed at each line: nothing is allocated per document.
        using var writer = new Utf8JsonWriter(body.Buffer, EcsJsonWriter.WriterOptions);
        var actionName = JsonEncodedText.Encode(action == BulkAction.Create ? "create" : "index");
        var indexName = JsonEncodedText.Encode(index);
        foreach (var i in positions)
        {
            var doc = docs[i];
            writer.Reset(body.Buffer);
            writer.WriteStartObject();
            writer.WriteStartObject(actionName);
            writer.WriteString("_index", indexName);
            if (doc.Id is { } id) writer.WriteString("_id", id);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.Flush();
            NewLine(body.Buffer);
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

    private static void NewLine(ArrayBufferWriter<byte> buffer)
    {
        buffer.GetSpan(1)[0] = (byte)'\n';
        buffer.Advance(1);
    }
}
