using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FluentAssertions;
using Sysmon.Stores.DuckDb;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>`ingest` stopped by SIGTERM (what Ctrl+C, docker stop and systemd send) as a real process: it says what
/// the store holds and how to finish, leaves no load files behind, and the same command run again stores the rest
/// with nothing twice.</summary>
public sealed partial class IngestInterruptionTests
{
    [GeneratedRegex(@"interrupted: this run stored ([\d,]+) events before it stopped \(duckdb:.*s\.duckdb now holds ([\d,]+)\); run the same command again")]
    private static partial Regex Interrupted();

    [Fact]
    public async Task A_stopped_ingest_says_what_is_stored_leaves_no_load_files_and_the_same_command_finishes_the_job()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) Assert.Skip("sends SIGTERM with kill(1)");
        var dir = CliRunner.TempDir();
        // Enough events (~150,000) that the run is still reading when the signal comes, with one bulk load possible before it.
        var hosts = await CliRunner.GenerateFleetAsync(dir, 5, 30000, 11);
        var lines = hosts.Sum(f => File.ReadLines(f).Count());
        string[] args = ["ingest", .. hosts, "--store", "duckdb:s.duckdb"];

        var (code, stderr) = await RunAndTerminateAsync(dir, args);
        code.Should().Be(130, stderr);
        var match = Interrupted().Match(stderr);
        match.Success.Should().BeTrue(stderr);
        var stored = long.Parse(match.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        stored.Should().BeLessThan(lines, "the run was stopped before its end");
        Directory.GetFiles(dir, "s.duckdb.load-*").Should().BeEmpty("the load under way finished and its file was removed before the exit");
        using (var store = DuckDbStore.Open(Path.Combine(dir, "s.duckdb")))
        {
            store.Count().Should().Be(stored, "the message says what the store holds");
        }

        var again = await CliRunner.RunAsync(dir, null, args);
        again.ExitCode.Should().Be(0, again.Stderr);
        again.Stderr.Should().Contain("now holds " + lines.ToString("N0", CultureInfo.InvariantCulture));
        using var reopened = DuckDbStore.Open(Path.Combine(dir, "s.duckdb"));
        using var cmd = reopened.Connection.CreateCommand();
        cmd.CommandText = "SELECT count(DISTINCT id) FROM events";
        Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture).Should().Be(lines, "every event once");
        reopened.Count().Should().Be(lines);
    }

    [Fact]
    public async Task An_ingest_the_store_cannot_take_says_what_is_stored_and_the_same_command_finishes_the_job()
    {
        // A full disk, here the file-size limit (ulimit -f, with SIGXFSZ ignored so that the write fails with EFBIG):
        // the load file cannot be written. Before, .NET's argument error for EFBIG ended the run with a stack trace.
        // The runtime's W^X code mapping lives in a memory file, which the limit would refuse to grow: it is turned off.
        if (!OperatingSystem.IsLinux()) Assert.Skip("limits the run's file sizes with bash's ulimit");
        var dir = CliRunner.TempDir();
        var fleet = await CliRunner.GenerateFleetAsync(dir, 1, 3000, 12);
        var input = fleet.Single();
        var lines = File.ReadLines(input).Count();

        var psi = new ProcessStartInfo("bash") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", "trap '' XFSZ; ulimit -f 1000; export DOTNET_EnableWriteXorExecute=0; exec \"$@\"", "bash", "dotnet", CliRunner.Dll, "ingest", input, "--store", "duckdb:s.duckdb" })
        {
            psi.ArgumentList.Add(a);
        }
        using var limited = Process.Start(psi)!;
        var stderrTask = limited.StandardError.ReadToEndAsync();
        _ = limited.StandardOutput.ReadToEndAsync();
        await limited.WaitForExitAsync(TestContext.Current.CancellationToken);
        var stderr = await stderrTask;
        limited.ExitCode.Should().Be(2, stderr);
        stderr.Should().Contain("error: could not write the load file").And
            .Contain("the loads stored before the failure stay (duckdb:s.duckdb holds 0 events); once the cause is fixed (e.g. disk space), " +
                     "run the same command again").And.NotContain("   at ", "no stack trace");
        Directory.GetFiles(dir, "s.duckdb.load-*").Should().BeEmpty("the failed load's file is removed");

        var again = await CliRunner.RunAsync(dir, null, "ingest", input, "--store", "duckdb:s.duckdb");
        again.ExitCode.Should().Be(0, again.Stderr);
        again.Stderr.Should().Contain("now holds " + lines.ToString("N0", CultureInfo.InvariantCulture));
    }

    // Starts the command, sends SIGTERM once it reports its first stored events, and waits for it.
    private static async Task<(int Code, string Stderr)> RunAndTerminateAsync(string dir, string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(CliRunner.Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = new StringBuilder();
        var started = new TaskCompletionSource();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) stderr.AppendLine(e.Data);
            if (e.Data.StartsWith("progress:", StringComparison.Ordinal)) started.TrySetResult();
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        await started.Task.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])) await kill!.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        process.WaitForExit(); // drains the redirected output
        lock (stderr) return (process.ExitCode, stderr.ToString());
    }
}
