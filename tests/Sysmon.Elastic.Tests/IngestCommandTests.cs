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
        var generated = await CliRunner.RunAsync(dir, null, "generate", "--hosts", "3", "--days", "1", "--events-per-host-per-day", "700",
            "--seed", "5", "--format", "json", "-o", "fleet");
        generated.ExitCode.Should().Be(0, generated.Stderr);
        var hosts = Directory.GetFiles(Path.Combine(dir, "fleet"), "WKS-*.json");
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
}
