using System.Text.Json.Nodes;
using FluentAssertions;
using Sysmon.Elastic.Cli;
using Sysmon.Kibana.SavedObjects;
using Sysmon.Queries.Hunts;
using Sysmon.Stores.DuckDb;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>
/// <c>setup kibana</c> as a user runs it: the export for Kibana's import page, the hunts turned into ES|QL Discover
/// sessions (each answering exactly as <c>sysmon-elastic hunt</c> does, checked on the demo's store), and a Kibana
/// that is not there. The import into a real Kibana is Sysmon.Kibana.Tests' part.
/// </summary>
public sealed class KibanaSetupTests
{
    [Fact]
    public async Task The_export_holds_every_object_with_the_hunts_as_searches_and_nothing_missing()
    {
        var dir = CliRunner.TempDir();
        var r = await CliRunner.RunAsync(dir, null, "setup", "kibana", "--export", "kibana.ndjson");
        r.ExitCode.Should().Be(0, r.Stderr);
        r.Stderr.Should().Contain("hash-spread (needs a value for sha256").And.Contain("Stack Management > Saved objects > Import");

        var lines = await File.ReadAllLinesAsync(Path.Combine(dir, "kibana.ndjson"), TestContext.Current.CancellationToken);
        var bundle = new SavedObjectBundle();
        foreach (var line in lines) bundle.Add(JsonNode.Parse(line)!.AsObject());
        bundle.MissingReferences().Should().BeEmpty();
        var huntNames = HuntCatalog.Load().Select(h => h.Name).Where(n => n != "hash-spread");
        bundle.Objects.Select(o => SavedObjectBundle.Key(o).Id).Should().Contain(huntNames.Select(n => KibanaObjects.HuntSearchPrefix + n))
            .And.Contain(Commands.SetupCommand.DashboardId).And.HaveCount(SavedObjectBundle.Shipped().Objects.Count + huntNames.Count());
        r.Stderr.Should().Contain($"wrote {lines.Length} saved objects");
    }

    [Fact]
    public async Task Each_hunt_search_answers_on_the_demo_store_exactly_as_the_hunt_does()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = CliRunner.TempDir();
        var demo = await CliRunner.RunAsync(dir, null, "demo", "--hosts", "5", "--events-per-host-per-day", "400", "--seed", "7");
        demo.ExitCode.Should().Be(0, demo.Stdout + demo.Stderr);

        var hunts = HuntCatalog.Load();
        var (bundle, leftOut) = KibanaObjects.Build(hunts);
        leftOut.Should().ContainSingle().Which.Should().StartWith("hash-spread");
        using var store = DuckDbStore.Open(Path.Combine(dir, "sysmon-demo.duckdb"));
        var engine = new DuckDbHuntEngine(store);
        var answered = new Dictionary<string, int>();
        foreach (var hunt in hunts.Where(h => h.Name != "hash-spread"))
        {
            var search = bundle.Objects.Single(o => SavedObjectBundle.Key(o).Id == KibanaObjects.HuntSearchPrefix + hunt.Name);
            var query = EsqlSavedSearch.QueryOf(search)!;
            query.Should().NotContain("?").And.NotContain("// title:");
            var expected = await engine.RunAsync(hunt.Query, hunt.Bind(new Dictionary<string, string>()), ct);
            var actual = await engine.RunAsync(query, new Dictionary<string, object?>(), ct);
            actual.Columns.Should().Equal(expected.Columns, hunt.Name);
            actual.Rows.Should().BeEquivalentTo(expected.Rows, o => o.WithStrictOrdering(), hunt.Name);
            answered[hunt.Name] = actual.Rows.Count;
        }
        answered["hash-stats"].Should().BeGreaterThan(10);
        // The intrusion leaves rows for the rest (rare-executables has none: the dropper reaches more than 2 of 5 hosts).
        answered.Where(a => a.Value > 0).Select(a => a.Key).Should().Contain(
            ["blacklisted-connections", "blacklisted-executions", "lsass-access", "remote-threads", "raw-disk-access", "connections-by-process"]);
    }

    [Fact]
    public void A_parameter_that_is_a_time_or_text_is_written_as_an_esql_literal()
    {
        var hunt = Hunt.Parse("t", """
            // title: T
            // param: since datetime 2026-01-05T10:00:00+02:00
            // param: name string a"b\c
            // param: n long 3
            FROM logs-sysmon-*
            | WHERE @timestamp >= ?since AND process.name == ?name AND process.command_line != "?name" // ?n in a comment stays
            | LIMIT ?n
            """);
        InlinedQuery.Of(hunt).Should().Be("""
            FROM logs-sysmon-*
            | WHERE @timestamp >= TO_DATETIME("2026-01-05T08:00:00.000Z") AND process.name == "a\"b\\c" AND process.command_line != "?name" // ?n in a comment stays
            | LIMIT 3
            """);
    }

    [Fact]
    public async Task A_hunt_of_the_dashboard_replaced_by_one_that_needs_a_value_is_a_usage_error_not_a_broken_panel()
    {
        var dir = CliRunner.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "hunts"));
        await File.WriteAllTextAsync(Path.Combine(dir, "hunts", "lsass-access.esql"), """
            // title: LSASS access by one image
            // param: image string
            FROM logs-sysmon-*
            | WHERE event.code == "10" AND process.executable == ?image
            """, TestContext.Current.CancellationToken);
        var r = await CliRunner.RunAsync(dir, null, "setup", "kibana", "--hunts", "hunts", "--export", "k.ndjson");
        r.ExitCode.Should().Be(2, r.Stderr);
        r.Stderr.Should().Contain("search/sysmon-elastic-hunt-lsass-access, which is not in the bundle").And.Contain("needs a value for image");
        File.Exists(Path.Combine(dir, "k.ndjson")).Should().BeFalse();
    }

    [Fact]
    public async Task A_kibana_that_is_not_there_is_exit_code_3_with_the_url_and_the_reason()
    {
        var dir = CliRunner.TempDir();
        var r = await CliRunner.RunAsync(dir, null, "setup", "kibana", "--kibana", "http://user:hunter2@127.0.0.1:9/", "--wait", "0");
        r.ExitCode.Should().Be(3, r.Stderr);
        r.Stderr.Should().Contain("error: Kibana at http://127.0.0.1:9 is not available after 0 s").And.NotContain("hunter2");
        var bad = await CliRunner.RunAsync(dir, null, "setup", "kibana", "--space", "My Space");
        bad.ExitCode.Should().Be(2);
        bad.Stderr.Should().Contain("not a Kibana space id");
    }

    [Fact]
    public async Task An_unreadable_ca_file_is_a_usage_error_naming_the_variable()
    {
        var dir = CliRunner.TempDir();
        await File.WriteAllTextAsync(Path.Combine(dir, "ca.pem"), "not a certificate", TestContext.Current.CancellationToken);
        var r = await CliRunner.RunWithEnvironmentAsync(dir, new Dictionary<string, string> { ["SYSMON_KIBANA_CA_FILE"] = "ca.pem" },
            "setup", "kibana", "--kibana", "https://127.0.0.1:9", "--wait", "0");
        r.ExitCode.Should().Be(2, r.Stderr);
        r.Stderr.Should().Contain("SYSMON_KIBANA_CA_FILE 'ca.pem' is not a readable certificate");
    }
}
