using System.Text.Json.Nodes;
using FluentAssertions;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Output;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;
using Convert = Sysmon.Ingest.Tests.Fixtures.Convert;

namespace Sysmon.Ingest.Tests.Readers;

/// <summary>Documents an ECS pipeline has mapped already (this tool's NDJSON, Elastic's integration, an export of either)
/// keep only unmapped fields in winlog.event_data; read again, they must map to the same event, not lose the rest.</summary>
public sealed class MappedDocumentReadTests
{
    [Fact]
    public async Task Converts_own_output_read_again_maps_to_the_same_documents()
    {
        var first = await Convert.MappedSamplesAsync("first.ndjson");
        var lines = string.Concat(first.Select(d => EcsJsonWriter.ToJson(d) + "\n"));
        var events = await Convert.EventsAsync(new JsonEventReader(), lines, "second.ndjson");
        var second = events.Select(Convert.Mapper().Map).ToList();

        second.Should().HaveCount(first.Count);
        for (var i = 0; i < first.Count; i++)
        {
            var code = first[i].GetString("event.code");
            var before = Comparable(first[i]);
            var after = Comparable(second[i]);
            if (code == "22")
            {
                // A CNAME answer is a list of objects in dns.answers, which the line reader does not flatten; the
                // addresses come back from dns.resolved_ip.
                after["dns"]!["resolved_ip"]!.ToJsonString().Should().Be(before["dns"]!["resolved_ip"]!.ToJsonString());
                foreach (var node in new[] { before, after })
                {
                    node["dns"]!.AsObject().Remove("answers");
                    node["related"]!.AsObject().Remove("hosts");
                }
            }
            after.ToJsonString().Should().Be(before.ToJsonString(), $"event {code}");
        }
    }

    [Fact]
    public async Task An_elastic_processed_winlogbeat_document_maps_as_the_raw_one_did()
    {
        // The same clipboard event as Winlogbeat shipped it and as Elastic's pipeline stored it (event_data cut down to
        // ClientInfo and Session): the process, hash and archive fields come back.
        var raw = await MapFileAsync(SharedCorpus.Require("corpus/json/winlogbeat/sysmon-13-clipboardchange.evtx.golden.json"));
        var processed = await MapFileAsync(SharedCorpus.Require("corpus/json/winlogbeat-ecs-expected/sysmon-13-clipboardchange.golden.json"));
        foreach (var field in new[] { "process.executable", "process.name", "process.pid", "process.hash.sha256", "related.hash",
                     "sysmon.file.archived", "@timestamp", "event.id", "host.name", "winlog.event_data" })
        {
            At(processed, field)?.ToJsonString().Should().Be(At(raw, field)?.ToJsonString(), field).And.NotBeNull();
        }
        At(processed, "process.entity_id")!.GetValue<string>().Should().BeEquivalentTo(At(raw, "process.entity_id")!.GetValue<string>(), "the GUID's case aside");
    }

    [Fact]
    public async Task A_mapped_document_with_nothing_left_in_event_data_takes_its_fields_from_the_message()
    {
        // Elastic keeps the rendered message; a DNS query's CNAME answers come back from it, which the ECS fields cannot give.
        var sample = SampleEvents.All.Single(s => s.Id == 22);
        var raw = Convert.Mapper().Map((await Convert.EventsAsync(new JsonEventReader(), EventForms.Beats(sample))).Single());
        var mapped = JsonNode.Parse(EcsJsonWriter.ToJson(raw))!.AsObject();
        mapped["winlog"]!.AsObject().Remove("event_data");
        mapped["message"] = EventForms.Text(sample, "\n");
        var again = Convert.Mapper().Map((await Convert.EventsAsync(new JsonEventReader(), mapped.ToJsonString())).Single());
        again.GetString("dns.question.name").Should().Be(raw.GetString("dns.question.name")).And.NotBeNull();
        At(JsonNode.Parse(EcsJsonWriter.ToJson(again))!, "dns.answers")!.ToJsonString()
            .Should().Be(At(JsonNode.Parse(EcsJsonWriter.ToJson(raw))!, "dns.answers")!.ToJsonString());
    }

    [Fact]
    public async Task An_elastic_agent_document_is_known_by_its_dataset_and_a_raw_one_gains_nothing()
    {
        // Elastic Agent's windows integration names the dataset; its event.module is the package's (windows).
        var first = (await Convert.MappedSamplesAsync()).Single(d => d.GetString("event.code") == "1");
        var agent = JsonNode.Parse(EcsJsonWriter.ToJson(first))!.AsObject();
        agent["event"]!["module"] = "windows";
        var again = Convert.Mapper().Map((await Convert.EventsAsync(new JsonEventReader(), agent.ToJsonString())).Single());
        again.GetString("process.executable").Should().Be(first.GetString("process.executable")).And.NotBeNull();
        again.GetString("process.command_line").Should().Be(first.GetString("process.command_line"));

        // An unmapped Agent line (full event_data beside the dataset) maps as a Winlogbeat line does.
        var sample = SampleEvents.All.Single(s => s.Id == 1);
        var raw = JsonNode.Parse(EventForms.Beats(sample))!.AsObject();
        var plain = EcsJsonWriter.ToJson(Convert.Mapper().Map((await Convert.EventsAsync(new JsonEventReader(), raw.ToJsonString())).Single()));
        raw["event"]!["dataset"] = "windows.sysmon_operational";
        EcsJsonWriter.ToJson(Convert.Mapper().Map((await Convert.EventsAsync(new JsonEventReader(), raw.ToJsonString())).Single())).Should().Be(plain);
    }

    // The mapped event of a one-event file, as JSON.
    private static async Task<JsonNode> MapFileAsync(string path)
    {
        var events = await Convert.EventsAsync(new JsonEventReader(), await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        return JsonNode.Parse(EcsJsonWriter.ToJson(Convert.Mapper().Map(events.Single())))!;
    }

    private static JsonNode? At(JsonNode doc, string path)
    {
        JsonNode? node = doc;
        foreach (var part in path.Split('.')) node = node?[part];
        return node;
    }

    // The document without its provenance (the file it was read from, and where).
    private static JsonObject Comparable(Sysmon.Ingest.Ecs.EcsDocument doc)
    {
        var node = JsonNode.Parse(EcsJsonWriter.ToJson(doc))!.AsObject();
        node["log"]!.AsObject().Remove("file");
        node["log"]!.AsObject().Remove("offset");
        return node;
    }
}
