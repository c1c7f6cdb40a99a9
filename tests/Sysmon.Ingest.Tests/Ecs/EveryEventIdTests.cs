using System.Text.Json.Nodes;
using FluentAssertions;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Tests.Fixtures;
using Sysmon.Ingest.Text;
using Sysmon.Ingest.Xml;
using Xunit;
using Convert = Sysmon.Ingest.Tests.Fixtures.Convert;

namespace Sysmon.Ingest.Tests.Ecs;

/// <summary>
/// Every event id of the catalogue, in every textual form, maps to the full ECS document checked in under
/// Golden/event-NNN.json (reviewed by hand against sysmon-ecs.md §3). Forms that lack System fields (NXLog's
/// local times, rendered text) are compared on everything they can know.
/// </summary>
public sealed class EveryEventIdTests
{
    public static TheoryData<int> Ids => new(SampleEvents.All.Select(s => s.Id));

    private static SampleEvent Sample(int id) => SampleEvents.All.Single(s => s.Id == id);

    // Only the XML test may (re)write a golden file; the other forms are compared with it.
    private static JsonObject Golden(int id, JsonObject? xmlOutput = null) => GoldenFiles.Load($"event-{id:D3}.json", xmlOutput);

    private static void ShouldEqual(JsonObject actual, JsonObject expected)
    {
        JsonNode.DeepEquals(actual, expected).Should().BeTrue(
            "expected\n{0}\nbut got\n{1}", GoldenFiles.Show(expected), GoldenFiles.Show(actual));
    }

    [Fact]
    public void The_samples_cover_every_catalogued_event_id()
    {
        SampleEvents.All.Select(s => s.Id).Should().BeEquivalentTo(
            Catalogue.EventCatalogue.Default.Events.Select(e => e.Id));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Windows_event_xml_maps_to_the_golden_document(int id)
    {
        var actual = await Convert.SingleAsync(new XmlEventReader(), EventForms.Xml(Sample(id)));
        ShouldEqual(actual, Golden(id, actual));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Winlogbeat_json_maps_to_the_same_document_as_xml(int id)
    {
        var actual = await Convert.SingleAsync(new JsonEventReader(), EventForms.Beats(Sample(id)));
        ShouldEqual(actual, Golden(id));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Nxlog_json_maps_to_the_same_document_except_what_nxlog_does_not_carry(int id)
    {
        var golden = Convert.Without(Golden(id),
            "event.created", "winlog.keywords");
        foreach (var dropProcessId in new[] { false, true })
        {
            var actual = await Convert.SingleAsync(new JsonEventReader(), EventForms.Nxlog(Sample(id), dropProcessId));
            ShouldEqual(Convert.Without(actual, "winlog.keywords"), golden);
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Rendered_message_text_maps_every_eventdata_field_like_xml(int id)
    {
        var golden = Golden(id);
        // Text carries EventData only: no record id, no System fields, no level.
        var expected = Convert.Without(golden, "event.id", "event.created", "user.id", "log.level", "winlog.channel",
            "winlog.computer_name", "winlog.provider_guid", "winlog.record_id", "winlog.version", "winlog.opcode",
            "winlog.keywords", "winlog.process", "winlog.user");
        if (id == 255) expected["log"] = new JsonObject { ["level"] = "error" };
        var actual = await Convert.SingleAsync(new MessageTextReader(), EventForms.Text(Sample(id)) + "\r\n", SampleEvent.Computer);
        actual["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Should().Equal(Names.MessageParsedTag);
        actual["event"]!["id"]!.GetValue<string>().Should().HaveLength(22);
        ShouldEqual(Convert.Without(actual, "event.id", "tags", "log.file", "log.offset"),
            Convert.Without(expected, "log.file", "log.offset"));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task A_wevtutil_text_export_maps_like_xml_but_for_what_wevtutil_does_not_print(int id)
    {
        // The Event[N] block carries host, channel, user, level and creation time; no record id, version, keywords,
        // provider GUID or process of the event log service. No --host is given: the host comes from the export.
        var expected = Convert.Without(Golden(id), "event.id", "winlog.provider_guid", "winlog.record_id", "winlog.version",
            "winlog.keywords", "winlog.process", "log.file", "log.offset");
        var actual = await Convert.SingleAsync(new MessageTextReader(), EventForms.Wevtutil(Sample(id)) + "\r\n\r\n");
        actual["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Should().Equal(Names.MessageParsedTag);
        ShouldEqual(Convert.Without(actual, "event.id", "tags", "log.file", "log.offset"), expected);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task A_get_winevent_csv_export_maps_like_xml_with_the_same_document_id(int id)
    {
        // Export-Csv carries the record id, computer and channel: the row is the same record as the XML's, with the same
        // event.id. Only its TimeCreated is in local time without a zone, so event.created is not derived from it.
        var expected = Convert.Without(Golden(id), "event.created", "log.file", "log.offset");
        var csv = "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n" + EventForms.GetWinEventCsvHeader + "\r\n" +
                  EventForms.GetWinEventCsvRow(Sample(id)) + "\r\n";
        var actual = await Convert.SingleAsync(new Sysmon.Ingest.Csv.CsvEventReader(), csv);
        actual["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Should().Equal(Names.MessageParsedTag);
        ShouldEqual(Convert.Without(actual, "tags", "log.file", "log.offset"), expected);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task A_get_winevent_json_export_maps_like_xml_with_the_same_document_id(int id)
    {
        // Windows PowerShell writes TimeCreated as /Date(ms)/: event.created is the XML's to the millisecond.
        var golden = Golden(id);
        var expected = Convert.Without(golden, "event.created", "log.file", "log.offset");
        var actual = await Convert.SingleAsync(new JsonEventReader(), "[" + EventForms.GetWinEventJson(Sample(id)) + "]");
        actual["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Should().Equal(Names.MessageParsedTag);
        var created = Instant(golden["event"]!["created"]!);
        Instant(actual["event"]!["created"]!).Should().Be(created.AddTicks(-(created.Ticks % TimeSpan.TicksPerMillisecond)));
        ShouldEqual(Convert.Without(actual, "tags", "log.file", "log.offset", "event.created"), expected);
    }

    private static DateTimeOffset Instant(System.Text.Json.Nodes.JsonNode time) =>
        DateTimeOffset.Parse(time.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
}
