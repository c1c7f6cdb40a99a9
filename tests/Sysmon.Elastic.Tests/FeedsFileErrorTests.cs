using FluentAssertions;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>A feeds file that cannot be used ends `feeds` and `run` with one line naming it and exit code 2, as a hunt
/// file does. It ended them with "Unhandled exception" and a stack trace, exit code 1.</summary>
public sealed class FeedsFileErrorTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        { "update", "", "feeds file nope.json does not exist" },
        { "update", "{\"feeds\":[", "is not valid JSON" },
        { "update", "{\"feeds\":[{\"name\":\"x\",\"url\":\"x.txt\",\"format\":\"plain\",\"schedule\":\"daily\"}]}", "feed 'x': schedule 'daily' is not a Quartz cron expression" },
        { "list", "{\"feeds\":[{\"name\":\"x\",\"url\":\"x.txt\",\"format\":\"rss\"}]}", "rss" },
        { "run", "", "feeds file nope.json does not exist" },
        { "run", "{\"feeds\":[", "is not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_feeds_file_that_cannot_be_used_is_one_line_and_exit_code_2(string command, string content, string message)
    {
        var dir = CliRunner.TempDir();
        var file = "nope.json";
        if (content.Length > 0) await File.WriteAllTextAsync(Path.Combine(dir, file = "feeds.json"), content);
        string[] args = command == "run"
            ? ["run", "--feeds", file, "--spool", "spool", "--store", "duckdb:s.duckdb"]
            : ["feeds", command, "--feeds", file, "--store", "duckdb:s.duckdb"];
        var r = await CliRunner.RunAsync(dir, null, args);
        r.ExitCode.Should().Be(2, r.Stdout + r.Stderr);
        r.Stderr.Should().StartWith("error: ").And.Contain(message).And.NotContain("   at ");
    }
}
