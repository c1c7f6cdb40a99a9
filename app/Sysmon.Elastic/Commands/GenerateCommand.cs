using System.CommandLine;
using Sysmon.Elastic.Cli;
using Sysmon.Elastic.Generation;

namespace Sysmon.Elastic.Commands;

/// <summary><c>generate --hosts N --days D --events-per-host-per-day K --seed S --format xml|json|text [--scenario intrusion] -o DIR</c>.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var hosts = new Option<int>("--hosts") { Description = "Workstations in the fleet.", DefaultValueFactory = _ => 10 };
        var days = new Option<int>("--days") { Description = "Days of activity, starting 2026-01-05.", DefaultValueFactory = _ => 1 };
        var perDay = new Option<int>("--events-per-host-per-day") { Description = "About this many events per host and day.", DefaultValueFactory = _ => 2000 };
        var seed = new Option<int>("--seed") { Description = "The same seed gives the same bytes.", DefaultValueFactory = _ => 1 };
        var format = new Option<string>("--format") { Description = "json (Winlogbeat lines), xml (event XML export), text (rendered messages; ingest with --host) or csv (Get-WinEvent | Export-Csv).", DefaultValueFactory = _ => "json" };
        var scenario = new Option<string?>("--scenario") { Description = "intrusion: plant an attack and write scenario.json (ground truth) and feed.txt beside the events." };
        var output = new Option<string>("-o", "--output") { Description = "Output directory (one file per host).", Required = true };
        var command = new Command("generate", "Write a realistic, deterministic synthetic fleet's Sysmon events, optionally with a planted intrusion.");
        foreach (var o in new Option[] { hosts, days, perDay, seed, format, scenario, output }) command.Options.Add(o);
        command.SetAction(result => CommandErrors.RunAsync(async stderr =>
        {
            var options = new FleetOptions
            {
                Hosts = result.GetValue(hosts), Days = result.GetValue(days), EventsPerHostPerDay = result.GetValue(perDay),
                Seed = result.GetValue(seed), Format = result.GetValue(format)!, Scenario = result.GetValue(scenario),
            };
            var started = System.Diagnostics.Stopwatch.StartNew();
            var summary = UsageException.From(() => FleetGenerator.Generate(options, result.GetValue(output)!, (done, events) =>
            {
                if (done % 10 == 0 || done == options.Hosts) stderr.WriteLine($"  {done}/{options.Hosts} hosts, {events:N0} events");
            }));
            await stderr.WriteLineAsync($"wrote {summary.Events:N0} events for {options.Hosts} host(s) into {result.GetValue(output)} in {started.Elapsed.TotalSeconds:F1} s " +
                $"({summary.ByEventId.Count} event ids)").ConfigureAwait(false);
            if (summary.Truth is { } t)
            {
                await stderr.WriteLineAsync($"scenario: patient zero {t.PatientZero}, spread to {string.Join(", ", t.SpreadOrder.Skip(1))}, C2 {t.C2Address}, " +
                    $"dropper {t.DropperSha256} (scenario.json, feed.txt)").ConfigureAwait(false);
            }
            return ExitCodes.Success;
        }));
        return command;
    }
}
