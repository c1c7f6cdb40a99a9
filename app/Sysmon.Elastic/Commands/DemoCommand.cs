using System.CommandLine;
using Sysmon.Elastic.Cli;
using Sysmon.Elastic.Generation;
using Sysmon.Enrich.Feeds;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Queries;
using Sysmon.Queries.Hunts;
using Sysmon.Queries.Lineage;

namespace Sysmon.Elastic.Commands;

/// <summary>
/// <c>demo</c>: the whole product in one command. Generates a small fleet with the planted intrusion, loads its
/// sample feed, ingests the fleet (events matching the feed raise alerts at ingest), runs the hunts a responder
/// would run and the lineage of the dropper, and checks each finding against the generator's ground truth.
/// </summary>
public static class DemoCommand
{
    public const string DefaultStore = "duckdb:./sysmon-demo.duckdb";

    public static Command Create()
    {
        var store = new Option<string?>("--store") { Description = $"Where the demo fleet is stored (default {DefaultStore}: kept apart from your real evidence)." };
        var dir = new Option<string>("--dir") { Description = "Where the generated fleet is written.", DefaultValueFactory = _ => "./sysmon-demo" };
        var hosts = new Option<int>("--hosts") { Description = "Workstations in the fleet.", DefaultValueFactory = _ => 8 };
        var perDay = new Option<int>("--events-per-host-per-day") { Description = "Events per host.", DefaultValueFactory = _ => 1500 };
        var seed = new Option<int>("--seed") { Description = "Seed of the fleet (a different seed, a different patient zero).", DefaultValueFactory = _ => 7 };
        var command = new Command("demo", "Generate a fleet with a planted intrusion, ingest it, load its feed, hunt, and check the findings against the ground truth.");
        foreach (var o in new Option[] { store, dir, hosts, perDay, seed }) command.Options.Add(o);
        command.SetAction((result, ct) => CommandErrors.RunAsync(async stderr =>
        {
            var location = StoreLocation.Parse(result.GetValue(store) ?? DefaultStore);
            var directory = result.GetValue(dir)!;
            var fleet = UsageException.From(() => FleetGenerator.Generate(new FleetOptions
            {
                Hosts = result.GetValue(hosts), EventsPerHostPerDay = result.GetValue(perDay), Seed = result.GetValue(seed), Scenario = "intrusion",
            }, directory));
            var truth = fleet.Truth!;
            var output = Console.Out;
            output.WriteLine($"1. generated {fleet.Events:N0} events on {fleet.Files.Count} hosts into {directory} (ground truth: {Path.Combine(directory, "scenario.json")})");

            using (var opened = Store.Open(location))
            {
                var feed = new FeedDefinition { Name = "demo-feed", Url = Path.GetFullPath(Path.Combine(directory, "feed.txt")), Format = "plain" };
                using var http = FeedHttp.CreateClient();
                var refreshed = await new FeedRefresher(new FeedDownloader(http), opened.Indicators).RefreshAsync(feed, ct).ConfigureAwait(false);
                if (!refreshed.Succeeded) throw new IOException("the demo feed could not be loaded: " + refreshed.Error);
                output.WriteLine($"2. loaded the sample feed: {refreshed.Indicators} indicators (the C2 address and the dropper hash among decoys)");
            }

            var files = InputFiles.Expand(fleet.Files, out _, out _);
            var alertText = new StringWriter();
            var alerts = new AlertLines(alertText, shown: 3);
            var mapper = new EcsMapper(new EcsMapperOptions { PublicSuffixes = PublicSuffixList.TryLoad() });
            var summary = await IngestCommand.IngestAsync(files, location, new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions()), mapper,
                Path.Combine(directory, "demo.deadletter.ndjson"), alerts, new ProgressReporter(TextWriter.Null, false), ct).ConfigureAwait(false);
            output.WriteLine($"3. ingested into {location}: {summary.Events:N0} events ({summary.Duplicates:N0} already there, {summary.Rejected} rejected); " +
                $"{alerts.Count} alert(s) raised at ingest, e.g.");
            foreach (var line in alertText.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)) output.WriteLine("     " + line);

            var failures = 0;
            void Check(bool ok, string what)
            {
                output.WriteLine(ok ? $"   OK   {what}" : $"   FAIL {what}");
                if (!ok) failures++;
            }
            using (var opened = Store.Open(location))
            {
                var hunts = HuntCatalog.Load();
                async Task<HuntResult> Hunt(string name, params (string Key, string Value)[] given)
                {
                    var h = hunts.Single(x => x.Name == name);
                    var result = await opened.Hunts.RunAsync(h.Query, h.Bind(given.ToDictionary(g => g.Key, g => g.Value)), ct).ConfigureAwait(false);
                    output.WriteLine();
                    output.WriteLine($"-- hunt {name}{string.Concat(given.Select(g => $" --param {g.Key}={(g.Value.Length > 20 ? g.Value[..12] + "..." : g.Value)}"))}: {h.Title}");
                    ResultWriter.Write(output, new HuntResult(result.Columns, result.Rows.Take(8).ToList()), "table");
                    if (result.Rows.Count > 8) output.WriteLine($"... the first 8 of {result.Rows.Count} rows");
                    return result;
                }
                // The values of one named column, row by row.
                static List<object?> Column(HuntResult r, string column)
                {
                    var i = r.Columns.ToList().IndexOf(column);
                    return r.Rows.Select(row => row[i]).ToList();
                }

                output.WriteLine();
                output.WriteLine("4. the hunts a responder runs, checked against scenario.json:");
                var rare = await Hunt("rare-executables", ("max_hosts", "3"));
                Check(Equals(Column(rare, "process.hash.sha256").FirstOrDefault(), truth.DropperSha256), "the dropper is at the top of rare-executables");

                var spread = await Hunt("hash-spread", ("sha256", truth.DropperSha256));
                var order = Column(spread, "host.name").Cast<string>().ToList();
                Check(order.SequenceEqual(truth.SpreadOrder), $"hash-spread starts on patient zero {truth.PatientZero} and follows the spread ({string.Join(" -> ", order)})");

                var c2 = await Hunt("blacklisted-connections");
                var c2Hosts = Column(c2, "destination.ip").Zip(Column(c2, "host.name"))
                    .Where(x => Equals(x.First, truth.C2Address)).Select(x => x.Second as string).Distinct().ToList();
                Check(c2Hosts.Count == truth.SpreadOrder.Count && c2Hosts.All(truth.SpreadOrder.Contains), $"blacklisted-connections shows the C2 {truth.C2Address} from every infected host");

                output.WriteLine();
                output.WriteLine($"-- lineage {truth.Lineage[^1]} (the dropper on patient zero)");
                var lineage = await new ProcessLineage(opened.Processes).BuildAsync(truth.Lineage[^1], 10, ct).ConfigureAwait(false);
                var chain = lineage.Ancestors.Append(lineage.Process!).ToList();
                foreach (var (node, i) in chain.Select((n, i) => (n, i))) output.WriteLine($"{new string(' ', 2 * i)}{(i == chain.Count - 1 ? "*" : "^")} {node.Executable}  [{node.EntityId}]");
                var ids = chain.Select(n => n.EntityId).ToList();
                Check(ids.Count >= truth.Lineage.Count && ids.Skip(ids.Count - truth.Lineage.Count).SequenceEqual(truth.Lineage, StringComparer.OrdinalIgnoreCase),
                    "the lineage runs winword.exe -> powershell.exe -> the dropper");

                var lsass = await Hunt("lsass-access");
                Check(lsass.Rows.Count > 0 && Equals(Column(lsass, "process.executable")[0], chain[^1].Executable) &&
                      Equals(Column(lsass, "winlog.event_data.GrantedAccess")[0], "0x1010"),
                    "lsass-access puts the dropper first, reading lsass.exe's memory (0x1010) on one host");
            }
            output.WriteLine();
            output.WriteLine(failures == 0
                ? "All findings match the planted intrusion. Try: sysmon-elastic hunt list; sysmon-elastic query '...' --store " + location
                : $"{failures} finding(s) did not match the ground truth.");
            return failures == 0 ? ExitCodes.Success : ExitCodes.Partial;
        }));
        return command;
    }
}
