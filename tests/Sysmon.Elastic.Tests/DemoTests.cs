using System.Text.Json;
using FluentAssertions;
using Sysmon.Queries.Hunts;
using Sysmon.Stores.DuckDb;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>The end-to-end demo as a user runs it (the real executable): generate with the intrusion, load the feed,
/// ingest, hunt; then the store it leaves is asked again here and every finding compared with scenario.json.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task The_demo_finds_the_planted_intrusion_and_the_store_agrees_with_the_ground_truth()
    {
        var dir = CliRunner.TempDir();
        var r = await CliRunner.RunAsync(dir, null, "demo", "--hosts", "6", "--events-per-host-per-day", "400", "--seed", "11");
        r.ExitCode.Should().Be(0, r.Stdout + r.Stderr);
        r.Stdout.Should().NotContain("FAIL");
        r.Stdout.Split('\n').Count(l => l.TrimStart().StartsWith("OK ", StringComparison.Ordinal)).Should().Be(5);

        using var truth = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "sysmon-demo", "scenario.json")));
        var root = truth.RootElement;
        var dropper = root.GetProperty("dropperSha256").GetString()!;
        var spread = root.GetProperty("spreadOrder").EnumerateArray().Select(e => e.GetString()).ToList();
        spread[0].Should().Be(root.GetProperty("patientZero").GetString());
        r.Stdout.Should().Contain("ALERT", "the feed was loaded before the ingest, so matches are tagged and alerted at ingest");

        long stored;
        using (var store = DuckDbStore.Open(Path.Combine(dir, "sysmon-demo.duckdb")))
        {
            stored = store.Count();
            var engine = new DuckDbHuntEngine(store);
            var hunts = HuntCatalog.Load();
            var spreadHunt = hunts.Single(h => h.Name == "hash-spread");
            var rows = (await engine.RunAsync(spreadHunt.Query, spreadHunt.Bind(new Dictionary<string, string> { ["sha256"] = dropper }), TestContext.Current.CancellationToken)).Rows;
            rows.Select(x => x[2]).Should().Equal(spread);
            var rare = hunts.Single(h => h.Name == "rare-executables");
            var top = (await engine.RunAsync(rare.Query, rare.Bind(new Dictionary<string, string> { ["max_hosts"] = "3" }), TestContext.Current.CancellationToken)).Rows;
            top.Should().ContainSingle("every other binary runs on every host").Which[4].Should().Be(dropper);
        }

        // Running it again stores nothing twice.
        var again = await CliRunner.RunAsync(dir, null, "demo", "--hosts", "6", "--events-per-host-per-day", "400", "--seed", "11");
        again.ExitCode.Should().Be(0);
        again.Stdout.Should().Contain("(" + stored.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " already there, 0 rejected)");
    }
}
