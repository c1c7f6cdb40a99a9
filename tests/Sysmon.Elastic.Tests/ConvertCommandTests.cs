using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>The convert command end to end, through the real executable: outputs, summary, exit codes.</summary>
public sealed class ConvertCommandTests
{
    private const string Event5 = "Process terminated:\r\nRuleName: -\r\nUtcTime: 2026-01-05 10:00:05.500\r\nProcessGuid: {8f2a3c1e-5b6d-6a3f-2a01-000000001e00}\r\nProcessId: 6256\r\nImage: C:\\Windows\\System32\\cmd.exe\r\nUser: CORP\\alice\r\n";

    [Fact]
    public async Task Message_text_from_stdin_becomes_ecs_ndjson_on_stdout()
    {
        var dir = CliRunner.TempDir();
        var r = await CliRunner.RunAsync(dir, Event5, "convert", "-", "--host", "WKS-1");
        r.ExitCode.Should().Be(0, r.Stderr);
        var doc = JsonNode.Parse(r.Stdout.Trim())!;
        doc["host"]!["name"]!.GetValue<string>().Should().Be("WKS-1");
        doc["process"]!["name"]!.GetValue<string>().Should().Be("cmd.exe");
        doc["log"]!["file"]!["path"]!.GetValue<string>().Should().Be("-");
        r.Stderr.Should().Contain("converted 1 events").And.MatchRegex(@"\n +5  Process terminated +1\r?\n");
    }

    [Fact]
    public async Task A_wevtutil_text_export_saved_by_powershell_names_its_host_and_counts_other_logs()
    {
        // `wevtutil qe Microsoft-Windows-Sysmon/Operational /f:text > sysmon.txt` in Windows PowerShell: UTF-16 with a
        // byte-order mark, CR LF, each record under its Event[N] block. The System record stands for a dump of several logs.
        var dir = CliRunner.TempDir();
        var export = "Event[0]:\r\n  Log Name: Microsoft-Windows-Sysmon/Operational\r\n  Source: Microsoft-Windows-Sysmon\r\n" +
                     "  Date: 2026-01-05T10:00:05.5004521Z\r\n  Event ID: 5\r\n  Task: Process terminated (rule: ProcessTerminate)\r\n" +
                     "  Level: Information\r\n  Opcode: Info\r\n  Keyword: N/A\r\n  User: S-1-5-18\r\n  User Name: NT AUTHORITY\\SYSTEM\r\n" +
                     "  Computer: WKS-7.corp.example\r\n  Description: \r\n" + Event5 + "\r\n" +
                     "Event[1]:\r\n  Log Name: System\r\n  Source: Service Control Manager\r\n  Date: 2026-01-05T10:00:06.0000000Z\r\n" +
                     "  Event ID: 7036\r\n  Task: N/A\r\n  Level: Information\r\n  Opcode: N/A\r\n  Keyword: Classic\r\n  User: N/A\r\n" +
                     "  User Name: N/A\r\n  Computer: WKS-7.corp.example\r\n  Description: \r\nThe Print Spooler service entered the stopped state.\r\n\r\n";
        await File.WriteAllTextAsync(Path.Combine(dir, "sysmon.txt"), export, System.Text.Encoding.Unicode, TestContext.Current.CancellationToken);
        var r = await CliRunner.RunAsync(dir, null, "convert", "sysmon.txt", "--host", "ignored-when-the-export-names-one", "-o", "out.ndjson");
        r.ExitCode.Should().Be(0, r.Stderr);
        var doc = JsonNode.Parse(File.ReadAllLines(Path.Combine(dir, "out.ndjson")).Single())!;
        doc["host"]!["name"]!.GetValue<string>().Should().Be("WKS-7.corp.example");
        doc["winlog"]!["channel"]!.GetValue<string>().Should().Be("Microsoft-Windows-Sysmon/Operational");
        doc["user"]!["id"]!.GetValue<string>().Should().Be("S-1-5-18");
        doc["event"]!["created"]!.GetValue<string>().Should().StartWith("2026-01-05T10:00:05.500452");
        doc["log"]!["offset"]!.GetValue<long>().Should().Be(0, "the record starts at its Event[0] line, the file's first");
        r.Stderr.Should().Contain("skipped, other channels: System: 1").And.NotContain("ignored");
    }

    [Fact]
    public async Task A_zip_piped_on_stdin_is_read_through_a_temporary_copy()
    {
        // e.g. `ssh collector cat WKS-7_kape.zip | sysmon-elastic convert -`: a zip's directory is at its end.
        var dir = CliRunner.TempDir();
        var zip = Path.Combine(dir, "collection.zip");
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
        {
            await using var entry = await archive.CreateEntry("WKS-7/sysmon.log").OpenAsync(TestContext.Current.CancellationToken);
            await entry.WriteAsync(System.Text.Encoding.UTF8.GetBytes(Event5), TestContext.Current.CancellationToken);
        }
        var piped = await CliRunner.RunWithStdinFromAsync(dir, zip, "convert", "-", "--host", "WKS-7", "-o", "out.ndjson");
        piped.ExitCode.Should().Be(0, piped.Stderr);
        var doc = JsonNode.Parse(File.ReadAllLines(Path.Combine(dir, "out.ndjson")).Single())!;
        doc["log"]!["file"]!["path"]!.GetValue<string>().Should().Be("-!/WKS-7/sysmon.log");
        doc["event"]!["code"]!.GetValue<string>().Should().Be("5");
    }

    [Fact]
    public async Task Bad_records_go_to_the_dead_letter_file_and_the_exit_code_says_partial()
    {
        var dir = CliRunner.TempDir();
        var input = Path.Combine(dir, "mixed.log");
        await File.WriteAllTextAsync(input, Event5 + "\r\nFile Exfiltrated:\r\nRuleName: -\r\nUtcTime: 2026-01-05 10:00:05.500\r\n\r\n" +
                                            Event5.Replace("2026-01-05 10:00:05.500", "yesterday", StringComparison.Ordinal));
        var r = await CliRunner.RunAsync(dir, null, "convert", input, "-o", "out.ndjson");
        r.ExitCode.Should().Be(1, r.Stderr);
        File.ReadAllLines(Path.Combine(dir, "out.ndjson")).Should().HaveCount(1);
        var dead = File.ReadAllLines(Path.Combine(dir, "out.ndjson.deadletter.ndjson")).Select(l => JsonNode.Parse(l)!).ToList();
        dead.Should().HaveCount(2);
        dead[0]["file"]!.GetValue<string>().Should().Be(input);
        dead[0]["line"]!.GetValue<long>().Should().Be(9);
        dead[0]["reason"]!.GetValue<string>().Should().Be("unknown event header 'File Exfiltrated:'");
        dead[1]["reason"]!.GetValue<string>().Should().StartWith("unparsable time");
        r.Stderr.Should().Contain("REJECTED 2 record(s)").And.Contain("out.ndjson.deadletter.ndjson");
    }

    [Fact]
    public async Task A_missing_input_is_a_usage_error_naming_it()
    {
        var r = await CliRunner.RunAsync(CliRunner.TempDir(), null, "convert", "no-such-file.evtx");
        r.ExitCode.Should().Be(2);
        r.Stderr.Should().Contain("no-such-file.evtx").And.Contain("does not exist");
    }

    [Theory]
    // Taken for paths, these were reported as "input '--to' does not exist; input 'yaml' does not exist".
    [InlineData("convert")]
    [InlineData("ingest")]
    public async Task A_misspelt_option_is_named_as_an_option_not_as_a_missing_input(string command)
    {
        var r = await CliRunner.RunAsync(CliRunner.TempDir(), null, command, "no-such-file.evtx", "--to", "yaml");
        r.ExitCode.Should().Be(2);
        r.Stderr.Should().Contain($"'--to' is not an option of {command} (see {command} --help)").And.Contain("input 'no-such-file.evtx' does not exist")
            .And.NotContain("input '--to'");
    }

    [Theory]
    // An empty name matched no channel: only records without one (rendered text) were kept, and the samples'
    // EVTX/XML/JSON/CSV records were skipped as "other channels" with exit code 0.
    [InlineData("convert")]
    [InlineData("ingest")]
    public async Task An_empty_channel_name_is_a_usage_error(string command)
    {
        var dir = CliRunner.TempDir();
        await File.WriteAllTextAsync(Path.Combine(dir, "a.log"), Event5);
        string[] store = command == "ingest" ? ["--store", "duckdb:" + Path.Combine(dir, "s.duckdb")] : [];
        var r = await CliRunner.RunAsync(dir, null, [command, "a.log", "--channel", "", .. store]);
        r.ExitCode.Should().Be(2, r.Stderr);
        r.Stderr.Should().Contain("--channel: a channel name is empty").And.Contain("'*' to keep every channel");
    }

    [Fact]
    public async Task An_unknown_format_is_a_usage_error()
    {
        var dir = CliRunner.TempDir();
        await File.WriteAllTextAsync(Path.Combine(dir, "a.log"), Event5);
        var r = await CliRunner.RunAsync(dir, null, "convert", "a.log", "--format", "parquet");
        r.ExitCode.Should().Be(2);
        r.Stderr.Should().Contain("--format 'parquet'");
        // A known format that does not fit the file is no usage error: the file is a dead letter with the reason.
        var forced = await CliRunner.RunAsync(dir, null, "convert", "a.log", "--format", "csv", "-o", "out.ndjson");
        forced.ExitCode.Should().Be(1, forced.Stderr);
        (await File.ReadAllTextAsync(Path.Combine(dir, "out.ndjson.deadletter.ndjson"))).Should().Contain("CSV without a Message column");
    }

    [Fact]
    public async Task Binary_junk_never_crashes_a_run()
    {
        var dir = CliRunner.TempDir();
        var rng = new Random(42);
        foreach (var (name, prefix) in new[] { ("junk.json", "{\"a\":"), ("junk.xml", "<Event><System>"), ("junk.log", "Process Create:\n"), ("junk.bin", "") })
        {
            var bytes = new byte[64 * 1024];
            rng.NextBytes(bytes);
            await File.WriteAllBytesAsync(Path.Combine(dir, name), [.. System.Text.Encoding.UTF8.GetBytes(prefix), .. bytes]);
        }
        await File.WriteAllTextAsync(Path.Combine(dir, "good.log"), Event5);
        var r = await CliRunner.RunAsync(dir, null, "convert", ".", "-o", "out.ndjson");
        r.ExitCode.Should().BeOneOf([0, 1], r.Stderr);
        r.Stderr.Should().NotContain("Unhandled exception");
        File.ReadAllLines(Path.Combine(dir, "out.ndjson")).Should().ContainSingle(l => l.Contains("\"code\":\"5\""));
    }

    [Fact]
    public async Task The_corpus_folder_converts_with_security_records_skipped_and_counted()
    {
        var shared = CliRunner.SharedDir();
        if (shared is null) Assert.Skip("../shared (the real-data corpus) is not present beside this checkout");
        var dir = CliRunner.TempDir();
        var r = await CliRunner.RunAsync(dir, null, "convert", Path.Combine(shared, "corpus", "json"), "-o", "out.ndjson");
        r.ExitCode.Should().Be(0, r.Stderr);
        // 177 + 822 + 148 Sysmon records in security-datasets, 21 evtx_dump Sysmon records, 1 + 1 Winlogbeat files.
        File.ReadAllLines(Path.Combine(dir, "out.ndjson")).Length.Should().Be(177 + 822 + 148 + 21 + 1 + 1);
        r.Stderr.Should().Contain("skipped, other channels: Security: 522, System: 1");
    }

    [Fact]
    public async Task A_stopped_convert_writes_out_what_it_converted_in_whole_lines_and_says_how_many()
    {
        // The runtime's own handling of SIGTERM ended the process with up to 64 KB unwritten and the last line cut.
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) Assert.Skip("sends SIGTERM with kill(1)");
        var dir = CliRunner.TempDir();
        await CliRunner.GenerateFleetAsync(dir, 4, 60000, 13);
        var output = Path.Combine(dir, "out.ndjson");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = dir, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { CliRunner.Dll, "convert", "fleet", "-o", output }) psi.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        while (!File.Exists(output) || new FileInfo(output).Length < 4 << 20)
        {
            process.HasExited.Should().BeFalse("the run is stopped before its end");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var message = await stderr;
        process.ExitCode.Should().Be(130, message);
        var match = System.Text.RegularExpressions.Regex.Match(message, @"interrupted: ([\d,]+) events written to .*out\.ndjson before the stop, each a whole line");
        match.Success.Should().BeTrue(message);
        var lines = File.ReadAllLines(output);
        lines.Should().HaveCount(int.Parse(match.Groups[1].Value, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture))
            .And.HaveCountLessThan(240_000, "stopped before its end");
        File.ReadAllBytes(output)[^1].Should().Be((byte)'\n');
        foreach (var line in lines) JsonNode.Parse(line)!["event"]!["code"].Should().NotBeNull();
    }

    [Fact]
    public async Task Convert_into_a_pipe_whose_reader_stops_stops_too_as_unix_tools_do()
    {
        // `convert big.evtx | head`: .NET's console stream dropped the writes after head left, so the whole input
        // was read and converted into nothing, and the run reported success.
        var dir = CliRunner.TempDir();
        var fleet = await CliRunner.GenerateFleetAsync(dir, 1, 20_000, 3);
        var psi = new System.Diagnostics.ProcessStartInfo("bash") { WorkingDirectory = dir, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", "dotnet \"$1\" convert \"$2\" | head -c 100 > /dev/null; exit ${PIPESTATUS[0]}", "bash", CliRunner.Dll, fleet[0] })
        {
            psi.ArgumentList.Add(a);
        }
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(141, "128 + SIGPIPE, as the shell reports a tool its reader left\n" + stderr);
        stderr.Should().Contain("stopped: the reader of standard output went away").And.NotContain("converted ");
    }
}
