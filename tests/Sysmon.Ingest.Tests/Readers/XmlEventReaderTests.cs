using System.Text;
using FluentAssertions;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Tests.Fixtures;
using Sysmon.Ingest.Xml;
using Xunit;
using Convert = Sysmon.Ingest.Tests.Fixtures.Convert;

namespace Sysmon.Ingest.Tests.Readers;

public sealed class XmlEventReaderTests
{
    private static readonly SampleEvent Create = SampleEvents.All.Single(s => s.Id == 1);
    private static readonly SampleEvent Connect = SampleEvents.All.Single(s => s.Id == 3);

    [Fact]
    public async Task An_events_document_with_a_prolog_yields_each_event_in_order()
    {
        var xml = $"<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<Events>\r\n{EventForms.Xml(Create)}\r\n{EventForms.Xml(Connect)}\r\n</Events>\r\n";
        var events = await Convert.EventsAsync(new XmlEventReader(), xml);
        events.Select(e => e.EventId).Should().Equal(1, 3);
        events[0].GetData("CommandLine").Should().Be(Create.Data.Single(d => d.Name == "CommandLine").Value);
        events[1].RecordId.Should().Be(Connect.RecordId);
        events[1].Position.Line.Should().Be(4);
    }

    [Fact]
    public async Task Concatenated_fragments_without_a_root_are_read_like_wevtutil_output()
    {
        var events = await Convert.EventsAsync(new XmlEventReader(), EventForms.Xml(Create) + EventForms.Xml(Connect) + EventForms.Xml(Create));
        events.Select(e => e.EventId).Should().Equal(1, 3, 1);
        events[1].Position.Offset.Should().Be(Encoding.UTF8.GetByteCount(EventForms.Xml(Create)));
    }

    [Fact]
    public async Task Pretty_printed_event_viewer_style_with_double_quotes_and_empty_elements()
    {
        const string xml = """
            <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
              <System>
                <Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385f-c22a-43e0-bf4c-06f5698ffbd9}" />
                <EventID Qualifiers="">11</EventID>
                <Version>2</Version>
                <Level>4</Level>
                <TimeCreated SystemTime="2019-04-30 20:32:50.902962" />
                <EventRecordID>9825</EventRecordID>
                <Correlation ActivityID="" RelatedActivityID="" />
                <Channel>Microsoft-Windows-Sysmon/Operational</Channel>
                <Computer>IEWIN7</Computer>
                <Security UserID="S-1-5-18" />
              </System>
              <EventData>
                <Data Name="RuleName" />
                <Data Name="UtcTime">2019-04-30 20:32:49.659</Data>
                <Data Name="Image"></Data>
                <Data Name="TargetFilename">C:\a &amp;quot;b&amp;quot;.txt</Data>
              </EventData>
            </Event>
            """;
        var e = (await Convert.EventsAsync(new XmlEventReader(), xml)).Single();
        e.EventId.Should().Be(11);
        e.Data.Select(d => d.Key).Should().Equal("RuleName", "UtcTime", "Image", "TargetFilename");
        e.GetData("RuleName").Should().Be("");
        e.GetData("Image").Should().Be("");
        e.GetData("TargetFilename").Should().Be("C:\\a &quot;b&quot;.txt", "entities are decoded exactly once");
        e.TimeCreated.Should().Be(new DateTimeOffset(2019, 4, 30, 20, 32, 50, TimeSpan.Zero).AddTicks(9029620));
    }

    [Fact]
    public async Task Values_keep_leading_spaces_quotes_and_line_breaks()
    {
        var sample = SampleEvents.All.Single(s => s.Id == 19);
        var xml = EventForms.Xml(sample).Replace("ISA 'Win32", "ISA\r\n  'Win32", StringComparison.Ordinal);
        var e = (await Convert.EventsAsync(new XmlEventReader(), xml)).Single();
        e.GetData("Name").Should().Be(" \"Updater\"");
        e.GetData("Query").Should().Contain("ISA\n  'Win32", "XML normalises CR LF in content to LF");
    }

    [Fact]
    public async Task Sysmon_for_linux_syslog_lines_are_read_and_a_truncated_line_is_rejected_alone()
    {
        const string good = "<Event><System><Provider Name=\"Linux-Sysmon\" Guid=\"{ff032593-a8d3-4f13-b0d6-01fc615a0f97}\"/><EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime=\"2023-06-05T19:58:34.025223900Z\"/><EventRecordID>@ID@</EventRecordID><Correlation/><Execution ProcessID=\"35543\" ThreadID=\"35543\"/><Channel>Linux-Sysmon/Operational</Channel><Computer>ubuntu</Computer><Security UserId=\"0\"/></System><EventData><Data Name=\"RuleName\">-</Data><Data Name=\"UtcTime\">2023-06-05 19:58:34.029</Data><Data Name=\"ProcessGuid\">{d6ab2d35-3a9a-647e-c5e4-f0eaa6550000}</Data><Data Name=\"ProcessId\">35548</Data><Data Name=\"Image\">/usr/bin/curl</Data><Data Name=\"CommandLine\">curl -s http://198.51.100.7/x</Data><Data Name=\"User\">root</Data></EventData></Event>";
        var text = $"Jun  5 19:58:34 ubuntu sysmon: {good.Replace("@ID@", "11", StringComparison.Ordinal)}\n" +
                   $"Jun  5 19:58:35 ubuntu sysmon: {good.Replace("@ID@", "12", StringComparison.Ordinal)[..300]}\n" +
                   $"Jun  5 19:58:36 ubuntu sysmon: {good.Replace("@ID@", "13", StringComparison.Ordinal)}\n";
        var results = await Convert.ReadAsync(new XmlEventReader(), text, "syslog");
        results.Where(r => r.Event is not null).Select(r => r.Event!.RecordId).Should().Equal(11, 13);
        var rejected = results.Single(r => r.Rejected is not null).Rejected!;
        rejected.Reason.Should().Contain("unterminated");
        rejected.Position.Line.Should().Be(2);
        var linux = results.First(r => r.Event is not null).Event!;
        linux.Channel.Should().Be("Linux-Sysmon/Operational");
        linux.UserSid.Should().Be("0");
        var doc = Convert.Ecs(linux);
        doc["process"]!["executable"]!.GetValue<string>().Should().Be("/usr/bin/curl");
        doc["process"]!["name"].Should().BeNull("a Linux path has no backslash (Elastic's rule)");
        doc["user"]!["name"].Should().BeNull("'root' has no domain part");
        doc["host"]!["os"]!["type"]!.GetValue<string>().Should().Be("linux", "Elastic's rules tell Linux hosts from Windows ones by host.os.type");
    }

    [Fact]
    public async Task A_prefixed_event_element_is_read_by_local_name()
    {
        var xml = EventForms.Xml(Create)
            .Replace("<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">", "<e:Event xmlns:e=\"http://schemas.microsoft.com/win/2004/08/events/event\" xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">", StringComparison.Ordinal)
            .Replace("</Event>", "</e:Event>", StringComparison.Ordinal);
        var e = (await Convert.EventsAsync(new XmlEventReader(), xml)).Single();
        e.EventId.Should().Be(1);
    }

    [Fact]
    public async Task A_malformed_event_is_rejected_with_its_position_and_the_others_survive()
    {
        var broken = EventForms.Xml(Connect).Replace("</Data><Data Name=\"Protocol\">", "</Dat><Data Name=\"Protocol\">", StringComparison.Ordinal);
        var noId = EventForms.Xml(Connect).Replace("<EventID>3</EventID>", "", StringComparison.Ordinal);
        var text = EventForms.Xml(Create) + "\n" + broken + "\n" + noId + "\n" + EventForms.Xml(Create) + "\n";
        var results = await Convert.ReadAsync(new XmlEventReader(), text, "mixed.xml");
        results.Count(r => r.Event is not null).Should().Be(2);
        var rejected = results.Where(r => r.Rejected is not null).Select(r => r.Rejected!).ToList();
        rejected.Should().HaveCount(2);
        rejected[0].Reason.Should().StartWith("malformed event XML");
        rejected[0].Position.Should().Be(new Events.SourcePosition("mixed.xml", 2, Encoding.UTF8.GetByteCount(EventForms.Xml(Create)) + 1));
        rejected[0].Excerpt.Should().Contain("</Dat>");
        rejected[1].Reason.Should().Contain("EventID");
        rejected[1].Position.Line.Should().Be(3);
    }

    [Fact]
    public async Task A_file_cut_inside_an_event_yields_the_events_before_the_cut()
    {
        var text = EventForms.Xml(Create) + EventForms.Xml(Connect)[..200];
        var results = await Convert.ReadAsync(new XmlEventReader(), text);
        results.Count(r => r.Event is not null).Should().Be(1);
        results.Single(r => r.Rejected is not null).Rejected!.Reason.Should().Contain("end of input");
    }

    [Fact]
    public async Task Utf16_exports_are_transcoded_by_the_source()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sysmon-utf16-{Guid.NewGuid():N}.xml");
        await File.WriteAllTextAsync(path, "<Events>" + EventForms.Xml(Create) + "</Events>", Encoding.Unicode);
        try
        {
            var source = new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions());
            var summary = new RunSummary();
            var events = new List<Events.SysmonEvent>();
            await foreach (var r in source.ReadAsync(new InputFile(path, 0), summary)) events.Add(r.Event!);
            events.Should().ContainSingle().Which.GetData("User").Should().Be("CORP\\alice");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
