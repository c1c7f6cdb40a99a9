using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Output;
using Sysmon.Stores.Elasticsearch.Writing;
using Xunit;

namespace Sysmon.Stores.Elasticsearch.Tests;

public sealed class BulkBodyTests
{
    private static List<string> Lines(BulkBody body) => Encoding.UTF8.GetString(body.Buffer.WrittenSpan).Split('\n').ToList();

    [Fact]
    public async Task A_body_is_ndjson_create_actions_with_the_deterministic_ids_and_nested_documents()
    {
        var docs = await MappedDocuments.AllAsync();
        var body = BulkBody.Build(docs, Enumerable.Range(0, docs.Count), "logs-sysmon-default", 50 * 1024 * 1024).Single();
        var lines = Lines(body);
        lines.Last().Should().BeEmpty("every line ends with a newline, the last one too");
        lines.Should().HaveCount(2 * docs.Count + 1);
        for (var i = 0; i < docs.Count; i++)
        {
            var action = JsonNode.Parse(lines[2 * i])!["create"]!;
            action["_index"]!.GetValue<string>().Should().Be("logs-sysmon-default");
            action["_id"]!.GetValue<string>().Should().Be(docs[i].Id);
            var source = JsonNode.Parse(lines[2 * i + 1])!;
            source["event"]!["code"]!.GetValue<string>().Should().Be(docs[i].GetString("event.code"));
            source["@timestamp"]!.GetValue<string>().Should().Be(docs[i].GetString("@timestamp"));
        }
        body.Documents.Should().Equal(Enumerable.Range(0, docs.Count));
    }

    [Fact]
    public async Task Bodies_are_cut_by_bytes_and_carry_every_document_once_in_order()
    {
        var docs = await MappedDocuments.AllAsync();
        var bodies = BulkBody.Build(docs, Enumerable.Range(0, docs.Count), "logs-sysmon-default", 4096);
        bodies.Should().HaveCountGreaterThan(2);
        bodies.SelectMany(b => b.Documents).Should().Equal(Enumerable.Range(0, docs.Count));
        var largest = docs.Max(d => Encoding.UTF8.GetByteCount(EcsJsonWriter.ToJson(d))) + 200;
        bodies.Should().OnlyContain(b => b.Length < 4096 + largest, "a body closes as soon as it reaches the limit");
    }

    [Fact]
    public void A_subset_of_positions_is_sent_as_given_and_index_actions_upsert()
    {
        var docs = Enumerable.Range(0, 5).Select(i =>
        {
            var d = new EcsDocument { Id = "id\"" + i };
            d.Set("@timestamp", "2026-01-05T10:00:00.000Z");
            return d;
        }).ToList();
        var body = BulkBody.Build(docs, [1, 3], "sysmon-indicators", 1 << 20, BulkAction.Index).Single();
        var lines = Lines(body);
        JsonNode.Parse(lines[0])!["index"]!["_id"]!.GetValue<string>().Should().Be("id\"1", "ids are JSON-escaped");
        JsonNode.Parse(lines[2])!["index"]!["_id"]!.GetValue<string>().Should().Be("id\"3");
        body.Documents.Should().Equal(1, 3);
    }
}
