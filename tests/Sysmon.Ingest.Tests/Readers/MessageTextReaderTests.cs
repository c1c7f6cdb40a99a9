using FluentAssertions;
using Sysmon.Ingest.Tests.Fixtures;
using Sysmon.Ingest.Text;
using Xunit;
using Convert = Sysmon.Ingest.Tests.Fixtures.Convert;

namespace Sysmon.Ingest.Tests.Readers;

public sealed class MessageTextReaderTests
{
    private static readonly SampleEvent Create = SampleEvents.All.Single(s => s.Id == 1);
    private static readonly SampleEvent Connect = SampleEvents.All.Single(s => s.Id == 3);

    [Fact]
    public async Task Events_start_at_each_header_with_or_without_blank_lines_between()
    {
        var back = EventForms.Text(Create, "\n") + "\n" + EventForms.Text(Connect, "\n") + "\n";
        var blank = EventForms.Text(Create) + "\r\n\r\n\r\n" + EventForms.Text(Connect) + "\r\n";
        foreach (var text in new[] { back, blank })
        {
            var events = await Convert.EventsAsync(new MessageTextReader(), text);
            events.Select(e => e.EventId).Should().Equal(1, 3);
            events[0].Data.Should().HaveCount(Create.Data.Count);
            events[0].GetData("ParentUser").Should().Be("CORP\\alice");
        }
    }

    [Fact]
    public async Task Values_keep_colon_space_trailing_spaces_and_continuation_lines()
    {
        const string text = "Process Create:\nRuleName: -\nUtcTime: 2026-01-05 10:00:01.123\nProcessId: 42\n" +
                            "Image: C:\\Windows\\System32\\cmd.exe\nCommandLine: cmd /c \"echo a: b\" \n" +
                            "  & echo second line\n\nCurrentDirectory: C:\\\nUser: CORP\\a\n" +
                            "ParentImage: -\n";
        var e = (await Convert.EventsAsync(new MessageTextReader(), text)).Single();
        // A blank line followed by a field of the same event is inside the event (it ends the value before it).
        e.GetData("CommandLine").Should().Be("cmd /c \"echo a: b\" \n  & echo second line\n");
        e.GetData("CurrentDirectory").Should().Be("C:\\");
        e.GetData("ParentImage").Should().Be("-");
    }

    [Fact]
    public async Task A_block_under_an_unknown_header_is_rejected_and_prose_is_only_counted()
    {
        var text = "Some notes before the log.\n" + EventForms.Text(Create, "\n") + "\n\nFile Exfiltrated:\nRuleName: -\nUtcTime: 2026-01-05 10:00:01.123\n\n" +
                   "More prose.\n" + EventForms.Text(Connect, "\n") + "\n";
        var results = await Convert.ReadAsync(new MessageTextReader(), text, "notes.txt");
        results.Where(r => r.Event is not null).Select(r => r.Event!.EventId).Should().Equal(1, 3);
        var rejected = results.Single(r => r.Rejected is not null).Rejected!;
        rejected.Reason.Should().Be("unknown event header 'File Exfiltrated:'");
        rejected.Position.Line.Should().Be(2 + Create.Data.Count + 2);
        results.Single(r => r.Ignored is not null).Ignored!.Reason.Should().StartWith("2 line(s)");
    }

    [Fact]
    public async Task An_event_with_an_unparsable_time_is_read_but_cannot_be_mapped()
    {
        var text = EventForms.Text(Connect).Replace("2026-01-05 10:00:03.300", "05/01/2026 10:00", StringComparison.Ordinal);
        var e = (await Convert.EventsAsync(new MessageTextReader(), text)).Single();
        var act = () => Convert.Mapper().Map(e);
        act.Should().Throw<Sysmon.Ingest.Ecs.MappingException>().WithMessage("unparsable time*05/01/2026 10:00*");
    }

    [Fact]
    public async Task The_two_events_of_the_products_source_document_convert()
    {
        var path = SharedCorpus.Require("seed/000_67c2c07fce26a441.txt");
        var results = await Convert.ReadAsync(new MessageTextReader(), await File.ReadAllTextAsync(path), path);
        results.Should().NotContain(r => r.Rejected != null);
        var events = results.Where(r => r.Event is not null).Select(r => r.Event!).ToList();
        events.Should().HaveCount(2);

        var create = Convert.Ecs(events[0], "SEED-HOST");
        create["event"]!["code"]!.GetValue<string>().Should().Be("1");
        create["@timestamp"]!.GetValue<string>().Should().Be("2017-01-19T14:26:38.692Z");
        create["host"]!["name"]!.GetValue<string>().Should().Be("SEED-HOST");
        var process = create["process"]!;
        process["pid"]!.GetValue<long>().Should().Be(12644);
        process["executable"]!.GetValue<string>().Should().Be("C:\\Program Files\\Git\\mingw64\\bin\\git.exe");
        process["name"]!.GetValue<string>().Should().Be("git.exe");
        process["command_line"]!.GetValue<string>().Should().Be("git.exe status -z -u");
        process["hash"]!["sha256"]!.GetValue<string>().Should().Be("b388344feb34b1cb4e7566d846c85587b843181999c05ba00c82fe208ca4909b");
        process["parent"]!["executable"]!.GetValue<string>().Should().Be("C:\\Program Files\\Git\\cmd\\git.exe");
        process["parent"]!["pid"]!.GetValue<long>().Should().Be(19180);
        process["parent"]!["entity_id"]!.GetValue<string>().Should().Be("{9D15E6DA-CC9E-5880-0000-001080B85E33}");
        process["working_directory"]!.GetValue<string>().Should().Be("작업디렉터리");

        var connect = Convert.Ecs(events[1], "SEED-HOST");
        connect["event"]!["code"]!.GetValue<string>().Should().Be("3");
        connect["process"]!["name"]!.GetValue<string>().Should().Be("chrome.exe");
        connect["source"]!["port"]!.GetValue<long>().Should().Be(53563);
        connect["destination"]!["port"]!.GetValue<long>().Should().Be(80);
        connect["network"]!["transport"]!.GetValue<string>().Should().Be("tcp");
        connect["network"]!["direction"]!.GetValue<string>().Should().Be("egress");
        connect["network"]!["protocol"]!.GetValue<string>().Should().Be("http");
        // The redacted addresses never become ip values; their text stays under winlog.event_data.
        connect["source"]!["ip"].Should().BeNull();
        connect["destination"]!["ip"].Should().BeNull();
        connect["related"]?["ip"].Should().BeNull();
        connect["winlog"]!["event_data"]!["SourceIp"]!.GetValue<string>().Should().Be("172.20.XXX.XXX");
        connect["winlog"]!["event_data"]!["DestinationIp"]!.GetValue<string>().Should().Be("XXX.XXX.XXX.XXX");
    }

    // A System record as wevtutil before Windows 10 prints it (a Date without a zone), with blank lines in its description.
    private const string ServiceRecord = "Event[1]:\n  Log Name: System\n  Source: Service Control Manager\n  Date: 2026-01-05T10:00:02.000\n" +
        "  Event ID: 7036\n  Task: None\n  Level: Information\n  Opcode: N/A\n  Keyword: Classic\n  User: N/A\n  User Name: N/A\n" +
        "  Computer: WKS-0042.corp.example\n  Description: \nThe Windows Update service entered the running state.\n\nUser: not a field.\n\n";

    [Fact]
    public async Task A_wevtutil_export_gives_each_message_its_header_and_reads_other_logs_records_whole()
    {
        var text = EventForms.Wevtutil(Create, 0, "\n") + "\n\n" + ServiceRecord + EventForms.Wevtutil(Connect, 2, "\n") + "\n\n";
        var results = await Convert.ReadAsync(new MessageTextReader(), text, "sysmon.txt");
        results.Should().OnlyContain(r => r.Event != null, "every line belongs to a record: nothing is ignored or rejected");
        var events = results.Select(r => r.Event!).ToList();
        events.Select(e => (e.EventId, e.Channel, e.Computer)).Should().Equal(
            (1, "Microsoft-Windows-Sysmon/Operational", SampleEvent.Computer), (7036, "System", SampleEvent.Computer),
            (3, "Microsoft-Windows-Sysmon/Operational", SampleEvent.Computer));
        var recordStarts = text.Split('\n').Select((line, i) => (line, i)).Where(x => x.line.StartsWith("Event[")).Select(x => (long)x.i + 1);
        events.Select(e => e.Position.Line!.Value).Should().Equal(recordStarts);
        events[0].UserSid.Should().Be("S-1-5-18");
        events[0].TimeCreated.Should().Be(DateTimeOffset.Parse(Create.TimeCreated, System.Globalization.CultureInfo.InvariantCulture));
        events[0].Message.Should().StartWith("Process Create:\nRuleName: ").And.NotContain("Event[");
        // The other log's description runs to the next record, blank lines and "Name: value" lines included; its
        // Date has no zone, so it is not taken for a UTC time.
        events[1].Message.Should().Be("The Windows Update service entered the running state.\n\nUser: not a field.");
        events[1].Data.Should().BeEmpty();
        events[1].TimeCreated.Should().BeNull();
        Convert.Ecs(events[2])["host"]!["name"]!.GetValue<string>().Should().Be(SampleEvent.Computer);
    }

    [Fact]
    public async Task A_wevtutil_header_that_disagrees_with_its_message_is_rejected_and_one_without_a_message_is_ignored()
    {
        var mislabelled = EventForms.Wevtutil(Create, 0, "\n").Replace("Event ID: 1\n", "Event ID: 10\n", StringComparison.Ordinal);
        var cutShort = "Event[1]:\n  Log Name: Microsoft-Windows-Sysmon/Operational\n  Source: Microsoft-Windows-Sysmon\n";
        var text = mislabelled + "\n\n" + cutShort + EventForms.Text(Connect, "\n") + "\n";
        var results = await Convert.ReadAsync(new MessageTextReader(), text, "sysmon.txt");
        var rejected = results.Single(r => r.Rejected is not null).Rejected!;
        rejected.Reason.Should().Be("the wevtutil header says Event ID 10, the message is 'Process Create:' (event 1)");
        rejected.Position.Line.Should().Be(1);
        rejected.Excerpt.Should().StartWith("Event[0]:\n  Log Name:");
        // The cut-short header is counted as ignored lines; the message after it is read, without the header's host.
        results.Single(r => r.Ignored is not null).Ignored!.Reason.Should().StartWith("3 line(s)");
        var connect = results.Single(r => r.Event is not null).Event!;
        connect.EventId.Should().Be(3);
        connect.Computer.Should().BeNull();
    }

    [Theory]
    [InlineData("Process Create:\nUtcTime: x\n\nNetwork connection detected:\nUtcTime: y", "Process Create:\nUtcTime: x\n\n")]
    [InlineData("Event[0]:\n  Description:\nProcess Create:\n\nEvent[1]:\n  Description:\nSome text\n\nmore", "Event[0]:\n  Description:\nProcess Create:\n\n")]
    [InlineData("Event[5]:\n  Description:\nA paragraph.\n\nAnother one.\n\n", "")]
    [InlineData("\uFEFFEvent[0]:\n  Description:\nA paragraph.\n\n", "")]
    public void A_tailed_piece_is_cut_after_its_last_whole_record(string piece, string wholeRecords)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(piece);
        TextRecordBoundary.LastRecordEnd(bytes).Should().Be(System.Text.Encoding.UTF8.GetByteCount(wholeRecords));
    }
}
