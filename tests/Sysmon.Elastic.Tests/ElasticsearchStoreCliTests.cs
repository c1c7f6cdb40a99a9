using FluentAssertions;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>What a user sees when the Elasticsearch store cannot be used: one line naming the URL (never the secret)
/// and the cause, exit 3 for an unreachable cluster, exit 2 for a configuration mistake. The cluster here is a real
/// closed port on this machine, so the error is the operating system's.</summary>
public sealed class ElasticsearchStoreCliTests
{
    private const string DeadCluster = "http://elastic:hunter2@127.0.0.1:9";

    // One process creation as a Winlogbeat line.
    private const string OneEvent =
        "{\"winlog\":{\"event_id\":\"1\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"computer_name\":\"H\",\"record_id\":1," +
        "\"event_data\":{\"UtcTime\":\"2026-01-05 10:00:00.000\",\"Image\":\"C:\\\\x.exe\"}}}\n";

    [Theory]
    [InlineData("setup", "elasticsearch", "--store", DeadCluster)]
    [InlineData("hunt", "hash-stats", "--store", DeadCluster)]
    [InlineData("query", "FROM logs-sysmon-* | LIMIT 1", "--store", DeadCluster)]
    [InlineData("lineage", "{x}", "--store", DeadCluster)]
    [InlineData("feeds", "list", "--store", DeadCluster)]
    [InlineData("reindex", "--store", DeadCluster, "--dest", "duckdb:copy.duckdb")]
    public async Task An_unreachable_cluster_exits_3_with_the_url_and_the_cause_but_not_the_password(params string[] args)
    {
        var r = await CliRunner.RunAsync(CliRunner.TempDir(), null, args);
        r.ExitCode.Should().Be(3, r.Stderr);
        r.Stderr.Trim().Should().Be("error: Elasticsearch at http://127.0.0.1:9 is unreachable: Connection refused");
        r.Stderr.Should().NotContain("hunter2");
    }

    [Fact]
    public async Task Ingest_into_an_unreachable_cluster_stores_nothing_and_exits_3()
    {
        var dir = CliRunner.TempDir();
        await File.WriteAllTextAsync(Path.Combine(dir, "e.json"), OneEvent);
        var r = await CliRunner.RunAsync(dir, null, "ingest", "e.json", "--store", DeadCluster);
        r.ExitCode.Should().Be(3, r.Stderr);
        r.Stderr.Should().Contain("Elasticsearch at http://127.0.0.1:9 is unreachable").And.NotContain("hunter2").And.NotContain("   at ");
    }

    [Fact]
    public async Task Reindex_into_an_unreachable_cluster_exits_3_and_keeps_no_checkpoint()
    {
        var dir = CliRunner.TempDir();
        await File.WriteAllTextAsync(Path.Combine(dir, "e.json"), OneEvent);
        (await CliRunner.RunAsync(dir, null, "ingest", "e.json", "--store", "duckdb:case.duckdb")).ExitCode.Should().Be(0);
        var r = await CliRunner.RunAsync(dir, null, "reindex", "--store", "duckdb:case.duckdb", "--dest", DeadCluster);
        r.ExitCode.Should().Be(3, r.Stderr);
        r.Stderr.Should().Contain("Elasticsearch at http://127.0.0.1:9 is unreachable").And.NotContain("hunter2").And.NotContain("   at ");
        File.Exists(Path.Combine(dir, "sysmon-elastic.reindex.json")).Should().BeFalse("nothing was stored, so there is nothing to go on from");
    }

    [Fact]
    public async Task The_worker_with_an_unreachable_cluster_stops_with_exit_3_and_says_why()
    {
        var r = await CliRunner.RunAsync(CliRunner.TempDir(), null, "run", "--Worker:Store=" + DeadCluster, "--Worker:SpoolDirectories:0=spool",
            "--Worker:ScheduledHunts=false");
        r.ExitCode.Should().Be(3, r.Stdout + r.Stderr);
        (r.Stdout + r.Stderr).Should().Contain("Elasticsearch at http://127.0.0.1:9 is unreachable").And.NotContain("hunter2");
    }

    [Fact]
    public async Task Setup_elasticsearch_needs_an_elasticsearch_url()
    {
        var r = await CliRunner.RunAsync(CliRunner.TempDir(), null, "setup", "elasticsearch");
        r.ExitCode.Should().Be(2);
        r.Stderr.Should().Contain("setup elasticsearch needs an Elasticsearch URL");
    }

    [Fact]
    public async Task A_retention_that_is_not_a_duration_is_refused_before_any_request()
    {
        var r = await CliRunner.RunAsync(CliRunner.TempDir(), null, "setup", "elasticsearch", "--store", DeadCluster, "--retention", "forever");
        r.ExitCode.Should().Be(2);
        r.Stderr.Should().Contain("retention 'forever' is not a duration");
    }
}
