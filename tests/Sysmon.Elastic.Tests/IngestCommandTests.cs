using FluentAssertions;
using Sysmon.Stores.DuckDb;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>`ingest` into the embedded store as a user runs it (the real executable, bulk loads): good logs beside
/// junk, the counts back from the DuckDB file, the junk in the dead-letter file, and a second run storing nothing.</summary>
public sealed class IngestCommandTests
{
    [Fact]
    public async Task Ingest_stores_every_good_event_once_dead_letters_the_junk_and_a_second_run_adds_nothing()
    {
        var dir = CliRunner.TempDir();
        var hosts = await CliRunner.GenerateFleetAsync(dir, 3, 700, 5);
        var lines = hosts.Sum(f => File.ReadLines(f).Count());
        lines.Should().BeGreaterThan(2000);
        var junk = Path.Combine(dir, "junk.json");
        await File.WriteAllBytesAsync(junk, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 % 251))]);
        string[] args = ["ingest", .. hosts, junk, "--store", "duckdb:s.duckdb"];

        var first = await CliRunner.RunAsync(dir, null, args);
        first.ExitCode.Should().Be(1, "junk was rejected: a partial run\n" + first.Stderr);
        first.Stderr.Should().Contain($"ingested {lines:N0} events").And.Contain("REJECTED").And.Contain("now holds " + lines.ToString("N0"));
        var deadLetters = await File.ReadAllTextAsync(Path.Combine(dir, "sysmon-elastic.deadletter.ndjson"));
        deadLetters.Should().Contain("junk.json");
        Directory.GetFiles(dir, "s.duckdb.load-*").Should().BeEmpty("load files are removed after each load");

        using (var store = DuckDbStore.Open(Path.Combine(dir, "s.duckdb")))
        {
            store.Count().Should().Be(lines);
            using var cmd = store.Connection.CreateCommand();
            cmd.CommandText = "SELECT count(DISTINCT id), count(DISTINCT \"host.name\"), (SELECT count(*) FROM (SELECT document FROM events_documents " +
                              "LIMIT 20) WHERE document->>'$.host.name' LIKE 'WKS-%') FROM events_ecs";
            using var reader = cmd.ExecuteReader();
            reader.Read().Should().BeTrue();
            (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)).Should().Be((lines, 3L, 20L));
        }

        var second = await CliRunner.RunAsync(dir, null, [.. args[..^3], "--store", "duckdb:s.duckdb"]);
        second.ExitCode.Should().Be(0, second.Stderr);
        second.Stderr.Should().Contain($"duplicates skipped (already stored): {lines:N0}").And.Contain("now holds " + lines.ToString("N0"));
    }

    [Fact]
    public async Task A_folder_with_a_link_to_itself_a_named_pipe_and_a_link_to_a_device_is_ingested_once_and_ends()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("named pipes and /dev/zero as on Linux");
        var dir = CliRunner.TempDir();
        var logs = Directory.CreateDirectory(Path.Combine(dir, "logs")).FullName;
        var hosts = await CliRunner.GenerateFleetAsync(logs, 2, 200, 1);
        var lines = hosts.Sum(f => File.ReadLines(f).Count());
        Directory.CreateSymbolicLink(Path.Combine(logs, "again"), logs);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [Path.Combine(logs, "pipe.ndjson")]))
        {
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
        File.CreateSymbolicLink(Path.Combine(logs, "zeros.evtx"), "/dev/zero");

        var run = await CliRunner.RunAsync(dir, null, "ingest", "logs", "--store", "duckdb:s.duckdb");

        run.ExitCode.Should().Be(0, "nothing in the folder is a bad record\n" + run.Stderr);
        run.Stderr.Should().Contain($"ingested {lines:N0} events from {hosts.Length} file(s)")
            .And.Contain("2 empty file(s) skipped").And.Contain("again: a linked directory, not followed");
        using var store = DuckDbStore.Open(Path.Combine(dir, "s.duckdb"));
        store.Count().Should().Be(lines);
    }

    [Fact]
    public async Task Alerts_are_printed_up_to_twenty_then_counted_with_a_query_that_lists_them_and_a_second_run_raises_none()
    {
        var dir = CliRunner.TempDir();
        var ct = TestContext.Current.CancellationToken;
        static string Connection(int record) =>
            "{\"winlog\":{\"event_id\":\"3\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"computer_name\":\"WKS-1\",\"record_id\":" + record +
            ",\"event_data\":{\"UtcTime\":\"2026-11-30 10:00:" + (record % 60).ToString("D2", System.Globalization.CultureInfo.InvariantCulture) +
            ".000\",\"Image\":\"C:\\\\a.exe\",\"Protocol\":\"tcp\",\"SourceIp\":\"10.1.1.5\",\"SourcePort\":\"50000\",\"DestinationIp\":\"203.0.113." +
            (record % 2 == 0 ? "66" : "67") + "\",\"DestinationPort\":\"443\"}}}\n";
        await File.WriteAllTextAsync(Path.Combine(dir, "c2.ndjson"), string.Concat(Enumerable.Range(1, 50).Select(Connection)), ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "ips.txt"), "203.0.113.66\n", ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "feeds.json"), "{\"feeds\":[{\"name\":\"c2\",\"url\":\"ips.txt\",\"format\":\"plain\",\"type\":\"ip\"}]}", ct);
        (await CliRunner.RunAsync(dir, null, "feeds", "update", "--feeds", "feeds.json", "--store", "duckdb:s.duckdb")).ExitCode.Should().Be(0);

        var first = await CliRunner.RunAsync(dir, null, "ingest", "c2.ndjson", "--store", "duckdb:s.duckdb");
        first.ExitCode.Should().Be(0, first.Stderr);
        var alertLines = first.Stderr.Split('\n').Where(l => l.StartsWith("ALERT ", StringComparison.Ordinal)).ToList();
        alertLines.Should().HaveCount(20, "25 of the 50 connections go to the listed address, and 20 lines are printed")
            .And.AllSatisfy(l => l.Should().StartWith("ALERT WKS-1 event 3: destination.ip 203.0.113.66 matches c2"));
        first.Stderr.Should().Contain("1 indicators checked; 25 new alert(s)").And.Contain("5 of them not printed above");
        var query = first.Stderr[(first.Stderr.IndexOf("sysmon-elastic query '", StringComparison.Ordinal) + 22)..];
        query = query[..query.IndexOf("' --store duckdb:s.duckdb", StringComparison.Ordinal)];
        var listed = await CliRunner.RunAsync(dir, null, "query", query, "--store", "duckdb:s.duckdb");
        listed.ExitCode.Should().Be(0, listed.Stderr);
        listed.Stdout.Should().MatchRegex(@"25\s+1\s+c2\s+203\.0\.113\.66", "the printed query lists the alerts by indicator");

        var second = await CliRunner.RunAsync(dir, null, "ingest", "c2.ndjson", "--store", "duckdb:s.duckdb");
        second.ExitCode.Should().Be(0, second.Stderr);
        second.Stderr.Should().NotContain("ALERT", "the events and their alerts are stored already")
            .And.Contain("1 indicators checked; 0 new alert(s)");
    }

    [Fact]
    public async Task DuckDB_options_after_the_path_are_in_force_and_a_load_beyond_its_limit_is_named_in_the_summary()
    {
        var dir = CliRunner.TempDir();
        var fleet = await CliRunner.GenerateFleetAsync(dir, 1, 400, 3);
        var file = fleet.Should().ContainSingle().Subject;
        var lines = File.ReadLines(file).Count();

        // No load fits in 1MB of DuckDB memory: each is run again under the store's limit, stored whole, and told.
        var r = await CliRunner.RunAsync(dir, null, "ingest", file, "--store", "duckdb:s.duckdb?memory_limit=300MB&load_memory_limit=1MB");
        r.ExitCode.Should().Be(0, "nothing was lost\n" + r.Stderr);
        r.Stderr.Should().Contain("now holds " + lines.ToString("N0"))
            .And.Contain("warning: 1 DuckDB load did not fit in the load memory limit (1MB) and ran again under the store's own (300MB)");
        File.Exists(Path.Combine(dir, "s.duckdb")).Should().BeTrue("the options are not part of the file's name");
        using var store = DuckDbStore.Open(Path.Combine(dir, "s.duckdb"));
        store.Count().Should().Be(lines);
    }

    [Theory]
    [InlineData("duckdb:s.duckdb?threads=none", "threads=none: expected a whole number of threads")]
    [InlineData("duckdb:s.duckdb?cache=1GB", "unknown DuckDB store option 'cache'")]
    [InlineData("duckdb:s.duckdb?memory_limit", "option 'memory_limit' is not name=value")]
    [InlineData("duckdb:wh?at.duckdb", "option 'at.duckdb' is not name=value (known: memory_limit, load_memory_limit, threads, load_threads, checkpoint_threshold, lock_wait); " +
                                       "a file name with '?' in it ends the URI with '?' (duckdb:PATH?)")]
    public async Task A_wrong_DuckDB_option_is_a_usage_error_that_says_what_is_expected(string store, string message)
    {
        var dir = CliRunner.TempDir();
        await File.WriteAllTextAsync(Path.Combine(dir, "empty.json"), "");
        var r = await CliRunner.RunAsync(dir, null, "ingest", "empty.json", "--store", store);
        r.ExitCode.Should().Be(2, r.Stderr);
        r.Stderr.Should().Contain(message);
        Directory.GetFiles(dir, "*.duckdb*").Should().BeEmpty("nothing is opened with settings that were refused");
    }

    [Fact]
    public async Task Gzipped_logs_in_a_directory_or_on_stdin_are_ingested_as_the_plain_ones_are()
    {
        var dir = CliRunner.TempDir();
        var hosts = await CliRunner.GenerateFleetAsync(dir, 3, 300, 11);
        var lines = hosts.Sum(f => File.ReadLines(f).Count());
        var rotated = Directory.CreateDirectory(Path.Combine(dir, "rotated")).FullName;
        foreach (var host in hosts)
        {
            await using var input = File.OpenRead(host);
            await using var output = new System.IO.Compression.GZipStream(File.Create(Path.Combine(rotated, Path.GetFileName(host) + ".1.gz")),
                System.IO.Compression.CompressionLevel.Fastest);
            await input.CopyToAsync(output, TestContext.Current.CancellationToken);
        }

        var fromDirectory = await CliRunner.RunAsync(dir, null, "ingest", rotated, "--store", "duckdb:s.duckdb");
        fromDirectory.ExitCode.Should().Be(0, fromDirectory.Stderr);
        fromDirectory.Stderr.Should().Contain("now holds " + lines.ToString("N0"));
        var plain = await CliRunner.RunAsync(dir, null, ["ingest", .. hosts, "--store", "duckdb:s.duckdb"]);
        plain.Stderr.Should().Contain($"duplicates skipped (already stored): {lines:N0}", "the same records, the same ids");

        var one = Directory.GetFiles(rotated).Order(StringComparer.Ordinal).First();
        var piped = await CliRunner.RunWithStdinFromAsync(dir, one, "ingest", "-", "--store", "duckdb:piped.duckdb");
        piped.ExitCode.Should().Be(0, piped.Stderr);
        using var store = DuckDbStore.Open(Path.Combine(dir, "piped.duckdb"));
        store.Count().Should().Be(File.ReadLines(hosts.Order(StringComparer.Ordinal).First()).Count());
    }

    [Fact]
    public async Task A_directory_with_nothing_to_read_is_said_so_not_just_counted_as_zero_files()
    {
        var dir = CliRunner.TempDir();
        var collected = Directory.CreateDirectory(Path.Combine(dir, "collected")).FullName;
        await File.WriteAllTextAsync(Path.Combine(collected, "notes.pdf"), "not a log");
        var r = await CliRunner.RunAsync(dir, null, "ingest", collected, "--store", "duckdb:s.duckdb");
        r.ExitCode.Should().Be(0, "an empty spool is not an error\n" + r.Stderr);
        r.Stderr.Should().Contain("ingested 0 events from 0 file(s)")
            .And.Contain("warning: 1 file(s) with unknown extensions skipped in directories")
            .And.Contain("warning: no input found: the directories named hold no file of the extensions read (.evtx .xml .json");
    }
}
