using System.Runtime.CompilerServices;
using FluentAssertions;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>The commands that read a store (query, hunt, lineage) as a user runs them: answers from a store that
/// exists, an error (not an empty answer, not a new empty file) for one that does not.</summary>
public sealed class ReadCommandTests
{
    private static string SampleEvents([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "samples", "sysmon-events.ndjson"));

    [Fact]
    public async Task Query_and_lineage_answer_from_the_store_ingest_wrote()
    {
        var dir = CliRunner.TempDir();
        var ingest = await CliRunner.RunAsync(dir, null, "ingest", SampleEvents(), "--store", "duckdb:s.duckdb");
        ingest.ExitCode.Should().Be(0, ingest.Stderr);

        var query = await CliRunner.RunAsync(dir, null, "query", "FROM logs-sysmon-* | WHERE event.code == \"1\" | STATS n = COUNT(*) BY process.name",
            "--store", "duckdb:s.duckdb", "--format", "csv");
        query.ExitCode.Should().Be(0, query.Stderr);
        query.Stdout.Should().Contain("powershell.exe");
        query.Stderr.Should().NotContain("warning");

        // An operator on a multi-valued field gives null where an event has several values: said on stderr, after
        // the rows, so that a query answering "0" for process.args LIKE is not taken for "no such command line".
        var multi = await CliRunner.RunAsync(dir, null, "query", "FROM logs-windows.sysmon_operational-* | WHERE process.args LIKE \"*-enc*\" | STATS n = COUNT(*)",
            "--store", "duckdb:s.duckdb", "--format", "csv");
        multi.ExitCode.Should().Be(0, multi.Stderr);
        multi.Stdout.Should().Be("n\n0\n");
        multi.Stderr.Should().Be("warning: process.args has several values in some rows: an operator, LIKE or one-value function on it gave null there, " +
                                 "as ES|QL's do (MV_EXPAND it first, or use MV_CONTAINS) (at character 48)\n");
        var single = await CliRunner.RunAsync(dir, null, "query", "FROM logs-sysmon-* | WHERE event.code == \"1\" | WHERE event.type == \"start\" | STATS n = COUNT(*)",
            "--store", "duckdb:s.duckdb", "--format", "csv");
        single.ExitCode.Should().Be(0, single.Stderr);
        single.Stdout.Should().NotBe("n\n0\n");
        single.Stderr.Should().BeEmpty("every process creation has one event.type, so nothing was treated as null");

        var lineage = await CliRunner.RunAsync(dir, null, "lineage", "{8f2a3c1e-5b6d-6a3f-2a01-000000001e00}", "--store", "duckdb:s.duckdb");
        lineage.ExitCode.Should().Be(0, lineage.Stderr);
        lineage.Stdout.Should().Contain("powershell.exe");
        // The samples do not hold winword's creation: it is shown as powershell's creation names it, marked as such.
        lineage.Stdout.Should().StartWith(@"^ WKS-0042.corp.example C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE pid 4412 " +
            "[{8f2a3c1e-5b60-6a3f-1c01-000000001e00}]  (creation not stored: as its child's creation describes it)");
        lineage.Stdout.Should().Contain(@"pid 6256 CORP\alice [{8f2a3c1e-5b6d-6a3f-2a01-000000001e00}]");
        lineage.Stderr.Should().Contain("missing link: the parent's process creation is not stored (shown as its child's creation describes it)");
    }

    [Fact]
    public async Task A_hunt_over_the_last_hour_or_the_last_century_takes_date_math_for_its_range()
    {
        var dir = CliRunner.TempDir();
        var ingest = await CliRunner.RunAsync(dir, null, "ingest", SampleEvents(), "--store", "duckdb:s.duckdb");
        ingest.ExitCode.Should().Be(0, ingest.Stderr);

        // The samples are from January 2026: none in the last hour, all in the last century.
        var hour = await CliRunner.RunAsync(dir, null, "hunt", "hash-stats", "--from", "now-1h", "--store", "duckdb:s.duckdb", "--format", "csv");
        hour.ExitCode.Should().Be(0, hour.Stderr);
        hour.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle("only the header: no execution in the last hour");
        var century = await CliRunner.RunAsync(dir, null, "hunt", "hash-stats", "--from", "now-100y/y", "--to", "now", "--store", "duckdb:s.duckdb", "--format", "csv");
        century.ExitCode.Should().Be(0, century.Stderr);
        century.Stdout.Should().Contain("powershell.exe");

        var words = await CliRunner.RunAsync(dir, null, "hunt", "hash-stats", "--from", "last week", "--store", "duckdb:s.duckdb");
        words.ExitCode.Should().Be(2, words.Stderr);
        words.Stderr.Should().Contain("parameter from needs an ISO-8601 time or date math (now-24h, now-7d/d), not 'last week'");
    }

    [Fact]
    public async Task Lineage_of_a_process_that_is_not_stored_says_so_and_ends_with_exit_code_1()
    {
        var dir = CliRunner.TempDir();
        var ingest = await CliRunner.RunAsync(dir, null, "ingest", SampleEvents(), "--store", "duckdb:s.duckdb");
        ingest.ExitCode.Should().Be(0, ingest.Stderr);

        var r = await CliRunner.RunAsync(dir, null, "lineage", "{00000000-0000-0000-0000-000000000000}", "--store", "duckdb:s.duckdb");
        r.ExitCode.Should().Be(1, "a script tells \"not found\" from a tree by it (README, exit codes)");
        r.Stderr.Should().Contain("no event of this process (process.entity_id or process.parent.entity_id) is stored");
        r.Stdout.Should().BeEmpty();
    }

    [Fact]
    public async Task Hunt_list_with_a_store_says_what_the_scheduled_runs_kept_there()
    {
        var dir = CliRunner.TempDir();
        using (var store = Sysmon.Stores.DuckDb.DuckDbStore.Open(Path.Combine(dir, "s.duckdb")))
        {
            var rows = new Sysmon.Queries.HuntResult(["host.name", "n"], [["H1", 3L], ["H2", 1L]]);
            var at = new DateTimeOffset(2026, 12, 6, 7, 30, 0, TimeSpan.Zero);
            (await new Sysmon.Stores.DuckDb.DuckDbHuntEngine(store).SaveResultsAsync("lsass-access", new Dictionary<string, object?>(), at, rows, default)).Should().Be(2);
        }
        var plain = await CliRunner.RunAsync(dir, null, "hunt", "list");
        plain.ExitCode.Should().Be(0, plain.Stderr);
        plain.Stdout.Should().NotContain("stored:", "no store was named, and none is opened");

        var r = await CliRunner.RunAsync(dir, null, "hunt", "list", "--store", "duckdb:s.duckdb");
        r.ExitCode.Should().Be(0, r.Stderr);
        var lines = r.Stdout.Split('\n');
        var lsass = Array.FindIndex(lines, l => l.StartsWith("lsass-access ", StringComparison.Ordinal));
        lines[lsass + 2].Trim().Should().Be("stored: 2 row(s), the last from the run at 2026-12-06T07:30:00Z");
        var raw = Array.FindIndex(lines, l => l.StartsWith("raw-disk-access ", StringComparison.Ordinal));
        lines[raw + 2].Trim().Should().Be("stored: none (not scheduled)");
        var threads = Array.FindIndex(lines, l => l.StartsWith("remote-threads ", StringComparison.Ordinal));
        lines[threads + 2].Trim().Should().Be("stored: none");
    }

    [Theory]
    // A misspelt path answered "(0 rows)" with exit code 0 and left an empty store behind: read as "no hits".
    [InlineData("query", "FROM logs-sysmon-* | STATS n = COUNT(*)")]
    [InlineData("hunt", "rare-executables")]
    [InlineData("hunt", "list")]
    [InlineData("lineage", "{8f2a3c1e-5b6d-6a3f-2a01-000000001e00}")]
    // Every feed "never" loaded, from a store that is not the one the worker fills.
    [InlineData("feeds", "list")]
    public async Task Reading_a_store_that_does_not_exist_is_an_error_that_creates_nothing(string command, string argument)
    {
        var dir = CliRunner.TempDir();
        var r = await CliRunner.RunAsync(dir, null, command, argument, "--store", "duckdb:misspelt.duckdb");
        r.ExitCode.Should().Be(3, r.Stdout + r.Stderr);
        r.Stderr.Should().Contain("store duckdb:misspelt.duckdb does not exist").And.Contain("sysmon-elastic ingest PATH --store duckdb:misspelt.duckdb");
        r.Stdout.Should().BeEmpty();
        Directory.GetFiles(dir).Should().BeEmpty("nothing is created");
    }
}
