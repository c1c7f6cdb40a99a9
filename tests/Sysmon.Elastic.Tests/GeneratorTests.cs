using System.Text.Json;
using FluentAssertions;
using Sysmon.Elastic.Generation;
using Sysmon.Ingest.Catalogue;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>The synthetic fleet: deterministic to the byte, readable by the product's own readers with no
/// rejection in every format, covering every event id, with consistent process links.</summary>
public sealed class GeneratorTests
{
    private static FleetOptions Small(string format, int seed = 3) => new() { Hosts = 4, EventsPerHostPerDay = 150, Days = 2, Seed = seed, Format = format, Scenario = "intrusion" };

    private static Dictionary<string, byte[]> Files(string dir) =>
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    [Theory]
    [InlineData("json")]
    [InlineData("xml")]
    [InlineData("text")]
    [InlineData("csv")]
    public void The_same_seed_gives_the_same_bytes_and_another_seed_does_not(string format)
    {
        var a = CliRunner.TempDir();
        var b = CliRunner.TempDir();
        var c = CliRunner.TempDir();
        FleetGenerator.Generate(Small(format), a);
        FleetGenerator.Generate(Small(format), b);
        FleetGenerator.Generate(Small(format, seed: 4), c);
        var first = Files(a);
        first.Keys.Should().BeEquivalentTo(Files(b).Keys);
        foreach (var (name, bytes) in Files(b)) bytes.Should().Equal(first[name], name);
        Files(c)["scenario.json"].Should().NotEqual(first["scenario.json"]);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("xml")]
    [InlineData("text")]
    [InlineData("csv")]
    public async Task Every_format_converts_without_a_rejection_and_covers_every_event_id(string format)
    {
        var dir = CliRunner.TempDir();
        var fleet = FleetGenerator.Generate(Small(format), dir);
        var source = new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions());
        var ids = new HashSet<int>();
        long read = 0;
        foreach (var file in fleet.Files)
        {
            // Rendered text names no host (like the real thing): the file name does, as for an ingest with --host.
            var mapper = new EcsMapper(new EcsMapperOptions { HostName = Path.GetFileNameWithoutExtension(file) });
            var summary = new RunSummary();
            await foreach (var r in source.ReadAsync(new InputFile(file, new FileInfo(file).Length), summary, TestContext.Current.CancellationToken))
            {
                r.Rejected.Should().BeNull($"{file}: {r.Rejected?.Position} {r.Rejected?.Reason}");
                r.Ignored.Should().BeNull($"{file}: {r.Ignored?.Reason}");
                var doc = mapper.Map(r.Event!);
                ids.Add(int.Parse(doc.GetString("event.code")!, System.Globalization.CultureInfo.InvariantCulture));
                read++;
            }
        }
        read.Should().Be(fleet.Events);
        ids.Should().BeEquivalentTo(EventCatalogue.Default.Events.Select(e => e.Id), "all 29 event types and the error event appear");
        fleet.ByEventId.Keys.Should().BeEquivalentTo(ids);
    }

    [Fact]
    public async Task A_csv_export_and_the_json_of_the_same_fleet_give_the_same_document_ids()
    {
        // Export-Csv carries the record id and computer: its rows are the same records as the shipper's lines.
        async Task<List<string>> IdsAsync(string format)
        {
            var dir = CliRunner.TempDir();
            var fleet = FleetGenerator.Generate(Small(format), dir);
            var source = new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions());
            var mapper = new EcsMapper(new EcsMapperOptions());
            var ids = new List<string>();
            foreach (var file in fleet.Files.Order(StringComparer.Ordinal))
            {
                await foreach (var r in source.ReadAsync(new InputFile(file, new FileInfo(file).Length), new RunSummary(), TestContext.Current.CancellationToken))
                {
                    ids.Add(mapper.Map(r.Event!).Id!);
                }
            }
            return ids;
        }
        var csv = await IdsAsync("csv");
        csv.Should().HaveCountGreaterThan(1000).And.Equal(await IdsAsync("json"));
    }

    [Fact]
    public void Process_links_are_consistent_and_times_ordered_in_every_host_file()
    {
        var dir = CliRunner.TempDir();
        var fleet = FleetGenerator.Generate(Small("json"), dir);
        foreach (var file in fleet.Files)
        {
            var started = new Dictionary<string, string>(); // guid -> image
            var last = "";
            long record = 0;
            foreach (var line in File.ReadLines(file))
            {
                using var doc = JsonDocument.Parse(line);
                var winlog = doc.RootElement.GetProperty("winlog");
                var data = winlog.GetProperty("event_data");
                var time = data.GetProperty("UtcTime").GetString()!;
                string.CompareOrdinal(time, last).Should().BeGreaterThanOrEqualTo(0, "UtcTime never goes back within a host");
                last = time;
                winlog.GetProperty("record_id").GetInt64().Should().Be(++record + 1000);
                if (winlog.GetProperty("event_id").GetString() != "1") continue;
                var parent = data.GetProperty("ParentProcessGuid").GetString()!;
                if (data.GetProperty("ParentImage").GetString() != "System")
                {
                    started.Should().ContainKey(parent, "a parent is started before its child");
                    started[parent].Should().Be(data.GetProperty("ParentImage").GetString());
                }
                started[data.GetProperty("ProcessGuid").GetString()!] = data.GetProperty("Image").GetString()!;
            }
        }
    }

    [Fact]
    public void The_scenario_needs_three_hosts_and_says_so()
    {
        var act = () => FleetGenerator.Generate(Small("json") with { Hosts = 2 }, CliRunner.TempDir());
        act.Should().Throw<ArgumentException>().WithMessage("*at least 3 hosts*");
    }

    [Theory]
    [InlineData("--format pdf", "--format must be one of json, xml, text")]
    [InlineData("--hosts 0", "--hosts, --days and --events-per-host-per-day must be at least 1")]
    [InlineData("--scenario heist", "unknown scenario 'heist'")]
    [InlineData("--hosts 2 --scenario intrusion", "needs at least 3 hosts")]
    public async Task Bad_options_end_with_one_line_and_exit_2(string options, string message)
    {
        var dir = CliRunner.TempDir();
        var r = await CliRunner.RunAsync(dir, null, ["generate", .. options.Split(' '), "-o", "fleet"]);
        r.ExitCode.Should().Be(2);
        r.Stderr.Should().Contain(message).And.NotContain("   at ");
        Directory.Exists(Path.Combine(dir, "fleet")).Should().BeFalse("nothing is written before the options are checked");
    }
}
