using System.Text.Json;

namespace Sysmon.Elastic.Generation;

/// <summary>What <c>generate</c> is asked for.</summary>
public sealed record FleetOptions
{
    public int Hosts { get; init; } = 10;
    public int Days { get; init; } = 1;
    public int EventsPerHostPerDay { get; init; } = 2000;
    public int Seed { get; init; } = 1;
    public string Format { get; init; } = "json";
    /// <summary>"intrusion" plants the attack story; null for a quiet fleet.</summary>
    public string? Scenario { get; init; }
    public DateTime FirstDay { get; init; } = new(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc);
}

/// <summary>What was written.</summary>
public sealed record FleetSummary(long Events, IReadOnlyList<string> Files, IReadOnlyDictionary<int, long> ByEventId, ScenarioTruth? Truth);

/// <summary>
/// Writes a deterministic fleet: the same options give the same bytes. Each host is simulated on its own random
/// stream derived from the seed, its events put in time order and numbered, and written to one file per host
/// (HOST.json / .xml / .txt), as a collected log would be. With the intrusion scenario, <c>scenario.json</c> (the
/// ground truth) and <c>feed.txt</c> (a plain-list feed holding its indicators among decoys) are written beside.
/// </summary>
public static class FleetGenerator
{
    private static readonly string[] Users =
    [
        "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia", "peggy",
        "rupert", "sybil", "trent", "victor", "walter", "yvonne",
    ];

    public static readonly string[] Formats = ["json", "xml", "text", "csv"];

    public static FleetSummary Generate(FleetOptions options, string directory, Action<int, long>? progress = null)
    {
        if (options.Hosts < 1 || options.Days < 1 || options.EventsPerHostPerDay < 1) throw new ArgumentException("--hosts, --days and --events-per-host-per-day must be at least 1");
        if (!Formats.Contains(options.Format)) throw new ArgumentException($"--format must be one of {string.Join(", ", Formats)}");
        if (options.Scenario is not (null or "intrusion")) throw new ArgumentException($"unknown scenario '{options.Scenario}' (the one there is: intrusion)");
        var fleet = new Random(options.Seed);
        var scenario = options.Scenario == "intrusion" ? new IntrusionScenario(fleet, options.Hosts, options.FirstDay, SimulatedHost.AddressOf) : null;
        Directory.CreateDirectory(directory); // only once the options are known to be usable
        var files = new List<string>();
        var byId = new SortedDictionary<int, long>();
        long total = 0;
        for (var i = 0; i < options.Hosts; i++)
        {
            var user = Users[i % Users.Length] + (i >= Users.Length ? (i / Users.Length).ToString(System.Globalization.CultureInfo.InvariantCulture) : "");
            var host = new SimulatedHost(i, user, options.Seed);
            for (var day = 0; day < options.Days; day++)
            {
                Workday.Run(host, options.FirstDay.AddDays(day), options.EventsPerHostPerDay, firstDay: day == 0, day == 0 ? scenario is null ? null : scenario.Plant : null);
            }
            var events = host.Events;
            events.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Sequence.CompareTo(b.Sequence));
            var path = Path.Combine(directory, host.Name + EventFileWriter.Extension(options.Format));
            using (var writer = new EventFileWriter(path, options.Format, host.Name))
            {
                long record = 1000;
                foreach (var e in events)
                {
                    e.RecordId = ++record;
                    writer.Write(e);
                    byId[e.Id] = byId.GetValueOrDefault(e.Id) + 1;
                }
            }
            total += events.Count;
            files.Add(path);
            progress?.Invoke(i + 1, total);
        }
        ScenarioTruth? truth = null;
        if (scenario is not null)
        {
            truth = scenario.Truth();
            File.WriteAllText(Path.Combine(directory, "scenario.json"), JsonSerializer.Serialize(truth, new JsonSerializerOptions { WriteIndented = true }) + "\n");
            File.WriteAllText(Path.Combine(directory, "feed.txt"), scenario.Feed());
        }
        return new FleetSummary(total, files, byId, truth);
    }
}
