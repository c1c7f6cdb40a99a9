using FluentAssertions;
using Sysmon.Elastic.Cli;
using Sysmon.Ingest.Pipeline;
using Xunit;

namespace Sysmon.Elastic.Tests;

public sealed class ProgressReporterTests
{
    private static RunSummary Summary(int filesTotal, long bytesTotal, long bytesRead, int filesDone = 0)
    {
        var s = new RunSummary { FilesTotal = filesTotal, BytesTotal = bytesTotal };
        s.AddBytesRead(bytesRead);
        for (var i = 0; i < filesDone; i++) s.FileDone();
        for (var i = 0; i < 500; i++) s.CountEvent("1", "WKS-1");
        return s;
    }

    [Fact]
    public void Within_one_large_file_the_line_says_how_far_by_bytes_and_how_long_the_rest_of_the_reading_takes()
    {
        var line = ProgressReporter.Line(Summary(1, 1_000_000_000, 250_000_000), TimeSpan.FromSeconds(10));
        line.Should().StartWith(" 25%  files 0/1  events 500  50/s  read 250.0 of 1,000.0 MB  eta 30 s");
    }

    [Fact]
    public void The_end_of_the_reading_is_said_at_once_and_then_the_last_load_is_waited_for_in_the_open()
    {
        var output = new StringWriter();
        var reporter = new ProgressReporter(output, interactive: false, TimeSpan.FromHours(1));
        var s = Summary(1, 1_000, 400);
        reporter.Report(s);
        reporter.Report(s); // within the interval: nothing
        s.AddBytesRead(600);
        s.StartStoring();
        reporter.Report(s);
        reporter.Report(s);
        var lines = output.ToString().ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(2);
        lines[1].Should().StartWith("progress: 100%").And.EndWith("all read; storing the last events").And.NotContain("eta");
    }

    [Fact]
    public void Long_estimates_are_given_in_minutes_and_hours()
    {
        ProgressReporter.Line(Summary(1, 1_000_000_000, 100_000_000), TimeSpan.FromSeconds(20)).Should().Contain("eta 3m00s");
        ProgressReporter.Line(Summary(1, 1_000_000_000, 10_000_000), TimeSpan.FromSeconds(60)).Should().Contain("eta 1h39m");
    }

    [Fact]
    public void The_first_seconds_give_no_estimate()
    {
        ProgressReporter.Line(Summary(1, 1_000_000_000, 500_000), TimeSpan.FromSeconds(0.4)).Should().NotContain("eta");
    }

    [Fact]
    public void Input_of_unknown_size_counts_files_and_bytes_without_an_estimate()
    {
        var line = ProgressReporter.Line(Summary(2, 0, 3_500_000, filesDone: 1), TimeSpan.FromSeconds(1));
        line.Should().StartWith(" 50%  files 1/2").And.Contain("read 3.5 MB").And.NotContain("eta").And.NotContain(" of ");
    }

    [Fact]
    public void A_file_that_grew_past_its_starting_size_shows_done_without_an_estimate()
    {
        var line = ProgressReporter.Line(Summary(1, 1_000_000, 1_200_000), TimeSpan.FromSeconds(1));
        line.Should().StartWith("100%").And.NotContain("eta");
    }

    [Fact]
    public void A_terminal_gets_a_bar_filled_by_bytes_and_a_log_gets_plain_lines()
    {
        var terminal = new StringWriter();
        new ProgressReporter(terminal, interactive: true).Report(Summary(1, 1_000, 500));
        terminal.ToString().Should().StartWith("\r[############............]  50%");
        var log = new StringWriter();
        new ProgressReporter(log, interactive: false).Report(Summary(1, 1_000, 500));
        log.ToString().Should().StartWith("progress:  50%  files 0/1").And.EndWith(Environment.NewLine);
    }
}
