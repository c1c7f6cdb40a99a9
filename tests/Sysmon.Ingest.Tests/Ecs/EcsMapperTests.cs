using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Output;
using Sysmon.Ingest.Tests.Fixtures;
using Sysmon.Ingest.Text;
using Sysmon.Ingest.Xml;
using Xunit;
using Convert = Sysmon.Ingest.Tests.Fixtures.Convert;

namespace Sysmon.Ingest.Tests.Ecs;

public sealed class EcsMapperTests
{
    private static SysmonEvent Event(int id, params (string Name, string Value)[] data)
    {
        var e = new SysmonEvent
        {
            EventId = id, Channel = Names.SysmonChannel, Computer = "H1", RecordId = 7,
            TimeCreated = new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero),
        };
        foreach (var (n, v) in data) e.Data.Add(new(n, v));
        return e;
    }

    [Fact]
    public void An_unknown_event_id_still_yields_a_document_with_its_data_kept()
    {
        var doc = Convert.Ecs(Event(30, ("UtcTime", "2026-01-05 10:00:00.000"), ("ProcessGuid", "{x}"), ("Foo", "bar")));
        doc["event"]!["kind"]!.GetValue<string>().Should().Be("event");
        doc["event"]!["code"]!.GetValue<string>().Should().Be("30");
        doc["event"]!["category"].Should().BeNull();
        doc["winlog"]!["event_data"]!["Foo"]!.GetValue<string>().Should().Be("bar");
        doc["winlog"]!["event_data"]!["ProcessGuid"]!.GetValue<string>().Should().Be("{x}");
    }

    [Fact]
    public void A_field_added_by_a_newer_sysmon_is_kept_under_event_data()
    {
        var doc = Convert.Ecs(Event(1, ("UtcTime", "2026-01-05 10:00:00.000"), ("Image", "C:\\a.exe"), ("ParentSessionId", "3")));
        doc["winlog"]!["event_data"]!["ParentSessionId"]!.GetValue<string>().Should().Be("3");
        doc["process"]!["name"]!.GetValue<string>().Should().Be("a.exe");
    }

    [Fact]
    public void The_zero_guid_parent_is_empty_but_the_parent_pid_survives()
    {
        var doc = Convert.Ecs(Event(1, ("UtcTime", "2026-01-05 10:00:00.000"),
            ("ParentProcessGuid", "{00000000-0000-0000-0000-000000000000}"), ("ParentProcessId", "512"), ("ParentImage", "-")));
        doc["process"]!["parent"]!["pid"]!.GetValue<long>().Should().Be(512);
        doc["process"]!["parent"]!["entity_id"].Should().BeNull();
        doc["process"]!["parent"]!["executable"].Should().BeNull();
    }

    [Fact]
    public void A_number_that_does_not_parse_stays_as_text_in_event_data()
    {
        var doc = Convert.Ecs(Event(3, ("UtcTime", "2026-01-05 10:00:00.000"), ("SourcePort", "https"), ("DestinationIp", "198.51.100.7")));
        doc["source"]?["port"].Should().BeNull();
        doc["winlog"]!["event_data"]!["SourcePort"]!.GetValue<string>().Should().Be("https");
        doc["destination"]!["ip"]!.GetValue<string>().Should().Be("198.51.100.7");
    }

    [Fact]
    public void Without_utc_time_the_time_created_is_used_and_without_both_the_event_is_refused()
    {
        Convert.Ecs(Event(5))["@timestamp"]!.GetValue<string>().Should().Be("2026-01-05T10:00:00.000Z");
        var bad = Event(5, ("UtcTime", "not a time"));
        Convert.Ecs(bad)["error"]!["message"]!.GetValue<string>().Should().Contain("not a time");
        bad.TimeCreated = null;
        var act = () => Convert.Mapper().Map(bad);
        act.Should().Throw<MappingException>();
    }

    [Fact]
    public async Task The_same_record_gets_the_same_id_from_xml_and_from_winlogbeat_and_others_differ()
    {
        var ids = new HashSet<string>();
        foreach (var sample in SampleEvents.All)
        {
            var fromXml = (await Convert.EventsAsync(new XmlEventReader(), EventForms.Xml(sample))).Single();
            var fromBeats = (await Convert.EventsAsync(new JsonEventReader(), EventForms.Beats(sample))).Single();
            var a = Convert.Mapper().Map(fromXml).Id!;
            Convert.Mapper().Map(fromBeats).Id.Should().Be(a);
            ids.Add(a).Should().BeTrue("every record has its own id");
        }
    }

    [Fact]
    public async Task Text_events_without_a_record_id_are_identified_by_their_content()
    {
        var sample = SampleEvents.All.Single(s => s.Id == 11);
        var twice = EventForms.Text(sample) + "\r\n\r\n" + EventForms.Text(sample) + "\r\n";
        var events = await Convert.EventsAsync(new MessageTextReader(), twice);
        var mapper = Convert.Mapper("H1");
        mapper.Map(events[0]).Id.Should().Be(mapper.Map(events[1]).Id);
        Convert.Mapper("H2").Map(events[0]).Id.Should().NotBe(mapper.Map(events[0]).Id, "the host is part of the identity");
    }

    [Fact]
    public void Json_output_writes_non_ascii_and_quotes_literally_and_nests_in_a_stable_order()
    {
        var doc = Convert.Mapper().Map(Event(1, ("UtcTime", "2026-01-05 10:00:00.000"), ("Image", "C:\\작업\\a.exe"),
            ("CommandLine", "a.exe \"x\" <y>")));
        var json = EcsJsonWriter.ToJson(doc);
        json.Should().Contain("C:\\\\작업\\\\a.exe").And.Contain("a.exe \\\"x\\\" <y>").And.NotContain("\\u");
        json.Should().StartWith("{\"@timestamp\":\"2026-01-05T10:00:00.000Z\",\"ecs\":{\"version\":\"8.0.0\"},\"event\":{");
        EcsJsonWriter.ToJson(Convert.Mapper().Map(Event(1, ("UtcTime", "2026-01-05 10:00:00.000"), ("Image", "C:\\작업\\a.exe"),
            ("CommandLine", "a.exe \"x\" <y>")))).Should().Be(json, "the same event always serialises to the same bytes");
    }

    [Fact]
    public async Task Mapping_on_several_threads_at_once_gives_what_mapping_one_by_one_gives()
    {
        // The mapper reuses a working list per thread: documents mapped in parallel must not see each other's data.
        var text = string.Concat(SampleEvents.All.Select(s => EventForms.Beats(s) + "\n"));
        var events = await Convert.EventsAsync(new JsonEventReader(), text);
        var mapper = Convert.Mapper();
        var expected = events.Select(e => EcsJsonWriter.ToJson(mapper.Map(e))).ToList();
        var indexes = Enumerable.Range(0, 40).SelectMany(_ => Enumerable.Range(0, events.Count)).ToArray();
        var actual = new string[indexes.Length];
        Parallel.For(0, indexes.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => actual[i] = EcsJsonWriter.ToJson(mapper.Map(events[indexes[i]])));
        for (var i = 0; i < indexes.Length; i++) actual[i].Should().Be(expected[indexes[i]]);
    }
}
