using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Output;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;

namespace Sysmon.Ingest.Tests.Ecs;

/// <summary>Reading a stored document back (for `reindex`): what the writer wrote comes back as the same fields of the
/// same kinds, so that the document written again is the same JSON.</summary>
public sealed class EcsJsonReaderTests
{
    [Fact]
    public async Task Every_sample_event_reads_back_to_the_same_document()
    {
        var reader = new EcsJsonReader();
        var docs = await Fixtures.Convert.MappedSamplesAsync();
        docs.Should().HaveCountGreaterThan(25);
        foreach (var doc in docs)
        {
            var json = EcsJsonWriter.ToJson(doc);
            var back = reader.Read(json);
            EcsJsonWriter.ToJson(back).Should().Be(json);
            back.Id.Should().Be(doc.Id).And.NotBeNullOrEmpty();
            back.Count.Should().Be(doc.Count, "every field comes back as one field of its own kind");
        }
    }

    [Fact]
    public async Task Kinds_come_back_as_the_mapper_made_them()
    {
        var docs = await Fixtures.Convert.MappedSamplesAsync();
        var process = new EcsJsonReader().Read(EcsJsonWriter.ToJson(docs.Single(d => d.GetString("event.code") == "1")));
        process.GetLong("process.pid").Should().Be(6256);
        process.TryGet("process.args", out var args).Should().BeTrue();
        args.Kind.Should().Be(EcsValueKind.Strings);
        process.TryGet("winlog.event_data", out var data).Should().BeTrue();
        data.Kind.Should().Be(EcsValueKind.Map, "winlog.event_data is a map of Sysmon's names, not nested fields");
        process.Contains("winlog.event_data.LogonGuid").Should().BeFalse();

        var dns = new EcsJsonReader().Read(EcsJsonWriter.ToJson(docs.Single(d => d.GetString("event.code") == "22")));
        dns.TryGet("dns.answers", out var answers).Should().BeTrue();
        answers.Kind.Should().Be(EcsValueKind.Objects);
        answers.AsObjects.Should().NotBeEmpty();
        answers.AsObjects[0].GetString("type").Should().NotBeNullOrEmpty();
    }

    [Fact]
    public void Enrichments_map_keys_with_dots_and_an_elasticsearch_source_with_dotted_names_read_back()
    {
        var doc = new EcsDocument();
        doc.Set("@timestamp", "2026-01-05T10:00:03.300Z");
        doc.Set("event.id", "abc");
        doc.Set("destination.port", 443);
        doc.Set("network.community_id", "1:x");
        doc.Set("sysmon.file.archived", true);
        var enrichment = new EcsDocument();
        enrichment.Set("matched.atomic", "203.0.113.66");
        enrichment.Set("indicator.confidence", "High");
        doc.Set("threat.enrichments", EcsValue.Of([enrichment]));
        doc.Set("winlog.event_data", EcsValue.Of(new List<KeyValuePair<string, string>> { new("Rule.Name", "x"), new("Empty", "") }));
        var json = EcsJsonWriter.ToJson(doc);
        var back = new EcsJsonReader().Read(json);
        EcsJsonWriter.ToJson(back).Should().Be(json);
        back.GetLong("destination.port").Should().Be(443);
        back.TryGet("sysmon.file.archived", out var archived).Should().BeTrue();
        archived.AsBool.Should().BeTrue();
        back.Id.Should().Be("abc");

        // An Elasticsearch _source may name fields with dots, hold nulls and numbers with fractions.
        var source = new EcsJsonReader().Read("""{"event.id":"e1","process":{"name":"a.exe","pid":null},"x.score":1.5,"tags":["a",null,"b"]}""");
        source.GetString("process.name").Should().Be("a.exe");
        source.Contains("process.pid").Should().BeFalse("null is no value");
        source.GetString("x.score").Should().Be("1.5");
        source.TryGet("tags", out var tags).Should().BeTrue();
        tags.AsStrings.Should().Equal("a", "b");
        source.Id.Should().Be("e1");
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"a\":", "not valid JSON")]
    [InlineData("{\"a\":1} {}", "invalid after a single JSON value")]
    [InlineData("{\"a\":[{\"b\":1},\"c\"]}", "mixing objects and values")]
    public void Bad_text_is_a_format_error_that_says_what(string json, string reason)
    {
        var read = () => new EcsJsonReader().Read(json);
        read.Should().Throw<FormatException>().WithMessage($"*{reason}*");
    }
}
