using FluentAssertions;
using Sysmon.Ingest.Csv;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;
using Convert = Sysmon.Ingest.Tests.Fixtures.Convert;

namespace Sysmon.Ingest.Tests.Readers;

/// <summary>
/// Event log CSV exports (Get-WinEvent | Export-Csv, Event Viewer's "Save as CSV"): rows whose quoted messages span
/// lines, other logs' rows counted by the channel filter, and malformed rows as dead letters, never lost.
/// </summary>
public sealed class CsvEventReaderTests
{
    private static readonly SampleEvent Create = SampleEvents.All.Single(s => s.Id == 1);
    private static readonly SampleEvent Connect = SampleEvents.All.Single(s => s.Id == 3);

    // A Security row of a mixed export: its message holds blank lines, tabs and quotes.
    private static string LogonRow(char delimiter = ',') => string.Join(delimiter, new string?[]
    {
        "An account was successfully logged on.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tS-1-5-18\r\n\tProcess Name:\t\t\"C:\\Windows\\System32\\svchost.exe\"",
        "4624", "2", null, "0", "12544", "0", "-9214364837600034816", "88211", "Microsoft-Windows-Security-Auditing",
        "54849625-5478-4994-a5ba-3e3b0328c30d", "Security", "780", "2912", "WKS-0042.corp.example", null, "1/5/2026 5:00:02 AM", null, null,
        "Security", "System.UInt32[]", "System.Diagnostics.Eventing.Reader.EventBookmark", "Information", "Info", "Logon",
        "System.Collections.ObjectModel.ReadOnlyCollection`1[System.String]", "System.Collections.Generic.List`1[System.Diagnostics.Eventing.Reader.EventProperty]",
    }.Select(v => v is null ? "" : "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));

    [Fact]
    public async Task A_mixed_export_gives_sysmon_rows_with_their_record_ids_and_other_logs_rows_without_data()
    {
        var csv = EventForms.GetWinEventCsvHeader + "\r\n" + EventForms.GetWinEventCsvRow(Create) + "\r\n" + LogonRow() + "\r\n" +
                  EventForms.GetWinEventCsvRow(Connect) + "\r\n";
        var results = await Convert.ReadAsync(new CsvEventReader(), csv, "export.csv");
        results.Should().OnlyContain(r => r.Event != null);
        var events = results.Select(r => r.Event!).ToList();
        events.Select(e => (e.EventId, e.Channel, e.RecordId)).Should().Equal(
            (1, "Microsoft-Windows-Sysmon/Operational", Create.RecordId), (4624, "Security", 88211L),
            (3, "Microsoft-Windows-Sysmon/Operational", Connect.RecordId));
        events[0].GetData("CommandLine").Should().Be(Create.Data.Single(d => d.Name == "CommandLine").Value);
        events[1].Message.Should().Contain("\r\n\r\nSubject:").And.Contain("\"C:\\Windows\\System32\\svchost.exe\"");
        events[1].Data.Should().BeEmpty();
        // Each row's position is its first line: the header is line 1, the first message spans Create's lines.
        events[0].Position.Line.Should().Be(2);
        events[1].Position.Line.Should().Be(2 + Create.Data.Count + 1);
        events[1].Position.Offset.Should().Be(System.Text.Encoding.UTF8.GetByteCount(
            EventForms.GetWinEventCsvHeader + "\r\n" + EventForms.GetWinEventCsvRow(Create) + "\r\n"));
    }

    [Fact]
    public async Task Through_the_event_source_other_logs_are_counted_and_a_semicolon_export_is_read_too()
    {
        // Export-Csv -UseCulture on a German system: ';' between fields, no #TYPE line, a UTF-8 byte-order mark.
        var header = EventForms.GetWinEventCsvHeader.Replace(',', ';');
        var csv = "\uFEFF" + header + "\r\n" + EventForms.GetWinEventCsvRow(Create, ';') + "\r\n" + LogonRow(';') + "\r\n";
        var path = Path.Combine(Directory.CreateTempSubdirectory("sysmon-csv-tests").FullName, "sysmon.csv");
        await File.WriteAllTextAsync(path, csv, TestContext.Current.CancellationToken);
        var summary = new RunSummary();
        var events = new List<Sysmon.Ingest.Events.SysmonEvent>();
        var source = new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions());
        await foreach (var r in source.ReadAsync(new InputFile(path, new FileInfo(path).Length), summary, TestContext.Current.CancellationToken))
        {
            r.Rejected.Should().BeNull();
            if (r.Event is { } e) events.Add(e);
        }
        summary.Formats.Should().ContainKey(InputFormat.Csv);
        events.Should().ContainSingle().Which.Computer.Should().Be(SampleEvent.Computer);
        summary.SkippedChannels.Should().ContainKey("Security").WhoseValue.Should().Be(1);
        InputFiles.IsKnown(path).Should().BeTrue("a directory walk reads .csv files");
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public async Task Event_viewers_csv_gives_the_messages_with_level_provider_and_task_but_no_host()
    {
        // "Save All Events As... CSV": five named columns and the message in a sixth without a name.
        var csv = "Level,Date and Time,Source,Event ID,Task Category\r\n" +
                  "Information,1/5/2026 5:00:03 AM,Microsoft-Windows-Sysmon,3,Network connection detected (rule: NetworkConnect),\"" +
                  EventForms.Text(Connect).Replace("\"", "\"\"", StringComparison.Ordinal) + "\"\r\n";
        var e = (await Convert.EventsAsync(new CsvEventReader(), csv)).Single();
        e.EventId.Should().Be(3);
        e.Provider.Should().Be("Microsoft-Windows-Sysmon");
        e.TaskName.Should().Be("Network connection detected (rule: NetworkConnect)");
        e.LevelName.Should().Be("Information");
        e.Computer.Should().BeNull("Event Viewer's CSV names no computer: --host does");
        Convert.Ecs(e, "WKS-9")["host"]!["name"]!.GetValue<string>().Should().Be("WKS-9");
    }

    [Fact]
    public async Task Malformed_rows_are_rejected_with_their_reason_and_the_rows_around_them_are_read()
    {
        var good = EventForms.GetWinEventCsvRow(Create);
        var csv = EventForms.GetWinEventCsvHeader + "\n" +
                  "\"Process Create:\",\"1\"\n" +                                                   // too few fields
                  good.Replace("\"1\",\"5\"", "\"10\",\"5\"", StringComparison.Ordinal) + "\n" +    // Id disagrees with the message
                  good + "\n" +
                  "\"Process Create:\nUtcTime: 2026-01-05 10:00:01.123";                           // cut inside its quoted message
        var results = await Convert.ReadAsync(new CsvEventReader(), csv, "export.csv");
        results.Where(r => r.Event is not null).Should().ContainSingle().Which.Event!.RecordId.Should().Be(Create.RecordId);
        results.Where(r => r.Rejected is not null).Select(r => (r.Rejected!.Position.Line, r.Rejected.Reason)).Should().Equal(
            (2L, "2 fields, the header has 27"),
            (3L, "the Id column says 10, the message is event 1"),
            (3L + 2 * (Create.Data.Count + 1), "field 1: a quoted value is not closed")); // each message spans Data.Count + 1 lines
    }

    [Fact]
    public async Task A_csv_that_is_not_an_event_log_export_is_one_dead_letter()
    {
        var results = await Convert.ReadAsync(new CsvEventReader(), "\"Name\",\"Sha256\"\n\"a.exe\",\"00\"\n\"b.exe\",\"11\"\n", "hashes.csv");
        results.Should().ContainSingle().Which.Rejected!.Reason.Should().StartWith("CSV without a Message column");
    }

    [Theory]
    [InlineData("#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n\"Message\",\"Id\"", InputFormat.Csv)]
    [InlineData("\"TimeCreated\",\"Id\",\"Message\"\r\n", InputFormat.Csv)]
    [InlineData("Level,Date and Time,Source,Event ID,Task Category\r\n", InputFormat.Csv)]
    [InlineData("Process Create:\r\nRuleName: -\r\n", InputFormat.Text)]
    [InlineData("\"quoted prose\"\r\n", InputFormat.Text)]
    public void Exports_are_told_by_their_first_line(string head, InputFormat expected)
    {
        FormatSniffer.Sniff(System.Text.Encoding.UTF8.GetBytes(head), "export.txt").Should().Be(expected);
    }
}
