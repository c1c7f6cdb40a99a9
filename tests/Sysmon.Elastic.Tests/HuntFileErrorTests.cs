using FluentAssertions;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>A user's hunts directory or hunt file that cannot be used ends the command with one line naming it and
/// exit code 2, in 'hunt' and in 'run' alike; never a stack trace, never a hunt quietly left out.</summary>
public sealed class HuntFileErrorTests
{
    private static async Task<string> HuntsDir(string content)
    {
        var dir = Directory.CreateDirectory(Path.Combine(CliRunner.TempDir(), "hunts")).FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "mine.esql"), content);
        return dir;
    }

    [Fact]
    public async Task A_missing_hunts_directory_is_a_usage_error_naming_it()
    {
        var r = await CliRunner.RunAsync(CliRunner.TempDir(), null, "hunt", "list", "--hunts", "no-such-dir");
        r.ExitCode.Should().Be(2);
        r.Stderr.Should().Contain("hunts directory 'no-such-dir' does not exist");
    }

    [Fact]
    public async Task A_malformed_hunt_header_names_the_file()
    {
        var hunts = await HuntsDir("// title: Mine\n// param: lonely\nFROM logs-sysmon* | LIMIT 1\n");
        var r = await CliRunner.RunAsync(CliRunner.TempDir(), null, "hunt", "list", "--hunts", hunts);
        r.ExitCode.Should().Be(2);
        r.Stderr.Should().Contain("mine.esql").And.Contain("needs a name and a type").And.NotContain("   at ");
        r.Stdout.Should().BeEmpty();
    }

    [Theory]
    [InlineData("// schedule: every 5 minutes\n", "hunt mine: schedule 'every 5 minutes' is not a Quartz cron expression")]
    [InlineData("// schedule: 0 0 * * * ?\n// param: sha256 string\n", "hunt mine: it has a schedule, so parameter 'sha256' needs a default")]
    public async Task The_worker_refuses_a_scheduled_hunt_it_could_not_run(string header, string message)
    {
        var dir = CliRunner.TempDir();
        var hunts = await HuntsDir("// title: Mine\n" + header + "FROM logs-sysmon* | LIMIT 1\n");
        var r = await CliRunner.RunAsync(dir, null, "run", "--Worker:HuntsDirectory=" + hunts,
            "--Worker:SpoolDirectories:0=" + Path.Combine(dir, "spool"), "--Worker:Store=duckdb:" + Path.Combine(dir, "store.duckdb"));
        r.ExitCode.Should().Be(2);
        r.Stderr.Should().Contain(message).And.NotContain("   at ");
    }
}
