using System.CommandLine;
using Sysmon.Elastic.Cli;
using Sysmon.Kibana.Import;
using Sysmon.Kibana.SavedObjects;
using Sysmon.Queries.Hunts;
using Sysmon.Stores.Elasticsearch.Connection;
using Sysmon.Stores.Elasticsearch.Setup;

namespace Sysmon.Elastic.Commands;

/// <summary><c>setup elasticsearch [--store URL]</c>: installs or updates the templates, data streams, indices, enrich
/// policies and the ingest pipeline, idempotently, and says what it did. <c>setup kibana</c>: imports the data views,
/// searches (the stored hunts among them) and the dashboard, or writes them to a file for Kibana's import page.</summary>
public static class SetupCommand
{
    public static Command Create()
    {
        var store = StoreLocation.CreateOption();
        var retention = new Option<string>("--retention") { Description = "How long events are kept (data stream lifecycle), e.g. 30d, 90d.", DefaultValueFactory = _ => "30d" };
        var alertsRetention = new Option<string>("--alerts-retention") { Description = "How long alerts are kept.", DefaultValueFactory = _ => "365d" };
        var elasticsearch = new Command("elasticsearch", "Install or update every Elasticsearch resource sysmon-elastic needs (safe to run again).");
        elasticsearch.Options.Add(store);
        elasticsearch.Options.Add(retention);
        elasticsearch.Options.Add(alertsRetention);
        elasticsearch.SetAction((result, ct) => CommandErrors.RunAsync(async stderr =>
        {
            var location = StoreLocation.Parse(result.GetValue(store));
            if (location.IsDuckDb)
            {
                throw new UsageException($"setup elasticsearch needs an Elasticsearch URL (--store https://host:9200 or ${StoreLocation.EnvironmentVariable}); got {location}");
            }
            foreach (var value in new[] { result.GetValue(retention)!, result.GetValue(alertsRetention)! })
            {
                if (!System.Text.RegularExpressions.Regex.IsMatch(value, "^[0-9]+(d|h|m|s)$"))
                {
                    throw new UsageException($"retention '{value}' is not a duration such as 30d or 12h");
                }
            }
            var es = new ElasticsearchConnection(Store.OptionsFor(location));
            var setup = new ClusterSetup(es) { EventsRetention = result.GetValue(retention)!, AlertsRetention = result.GetValue(alertsRetention)! };
            var actions = await setup.InstallAsync(ct).ConfigureAwait(false);
            foreach (var a in actions) Console.WriteLine(a);
            var changed = actions.Count(a => a.Outcome != SetupOutcome.Unchanged);
            await stderr.WriteLineAsync(changed == 0
                ? $"{es.DisplayUrl}: nothing to change, every resource is up to date"
                : $"{es.DisplayUrl}: {actions.Count(a => a.Outcome == SetupOutcome.Created)} created, {actions.Count(a => a.Outcome == SetupOutcome.Updated)} updated, " +
                  $"{actions.Count(a => a.Outcome == SetupOutcome.Executed)} policies executed, {actions.Count(a => a.Outcome == SetupOutcome.Unchanged)} unchanged").ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        var command = new Command("setup", "Prepare a store, or Kibana.");
        command.Subcommands.Add(elasticsearch);
        command.Subcommands.Add(CreateKibana());
        return command;
    }

    private static Command CreateKibana()
    {
        var url = new Option<string?>("--kibana") { Description = $"Kibana's URL (or ${KibanaOptions.UrlVariable}; default {KibanaOptions.DefaultUrl}). Credentials: ${KibanaOptions.ApiKeyVariable}, or ${KibanaOptions.UsernameVariable} and ${KibanaOptions.PasswordVariable}; without them the SYSMON_ES_* ones." };
        var space = new Option<string?>("--space") { Description = "The Kibana space to import into (default: the default space)." };
        var wait = new Option<int>("--wait") { Description = "Seconds to wait for Kibana to become available (a fresh stack takes a minute or two).", DefaultValueFactory = _ => 300 };
        var export = new Option<string?>("--export") { Description = "Write the saved objects to this .ndjson file instead (Stack Management > Saved objects > Import), and contact no Kibana." };
        var huntsDir = new Option<string?>("--hunts") { Description = "A directory of your own NAME.esql hunts, imported beside the shipped ones." };
        var kibana = new Command("kibana", "Import sysmon-elastic's data views, saved searches (one per stored hunt) and dashboard into Kibana (safe to run again: objects are overwritten in place).");
        kibana.Options.Add(url);
        kibana.Options.Add(space);
        kibana.Options.Add(wait);
        kibana.Options.Add(export);
        kibana.Options.Add(huntsDir);
        kibana.SetAction((result, ct) => CommandErrors.RunAsync(async stderr =>
        {
            var (bundle, leftOut) = KibanaObjects.Build(HuntCatalog.Load(result.GetValue(huntsDir)));
            foreach (var hunt in leftOut) await stderr.WriteLineAsync("note: hunt left out of Kibana: " + hunt).ConfigureAwait(false);
            var counts = string.Join(", ", bundle.Objects.GroupBy(o => SavedObjectBundle.Key(o).Type).Select(g => $"{g.Count()} {g.Key}"));
            if (result.GetValue(export) is { } file)
            {
                AtomicFile.Write(file, bundle.WriteNdjson);
                await stderr.WriteLineAsync($"wrote {bundle.Objects.Count} saved objects ({counts}) to {file}; import it in Kibana: Stack Management > Saved objects > Import").ConfigureAwait(false);
                return ExitCodes.Success;
            }
            var seconds = result.GetValue(wait);
            if (seconds < 0) throw new UsageException($"--wait {seconds}: give a number of seconds, 0 or more");
            var options = UsageException.From(() => KibanaOptions.Parse(result.GetValue(url), result.GetValue(space)));
            return await ImportAsync(options, TimeSpan.FromSeconds(seconds), bundle, counts, stderr, ct).ConfigureAwait(false);
        }));
        return kibana;
    }

    private static async Task<int> ImportAsync(KibanaOptions options, TimeSpan wait, SavedObjectBundle bundle, string counts,
        TextWriter stderr, CancellationToken ct)
    {
        using var client = UsageException.From(() => new KibanaClient(options)); // an unreadable CA file
        await client.WaitUntilAvailableAsync(wait, line => stderr.WriteLine(line), ct).ConfigureAwait(false);
        var outcome = await client.ImportAsync(bundle.ToNdjson(), ct).ConfigureAwait(false);
        foreach (var e in outcome.Errors)
        {
            await stderr.WriteLineAsync($"error: {e.Type}/{e.Id}{(e.Title is null ? "" : $" ({e.Title})")} was not imported: {e.Reason}{(e.Detail is { Length: > 0 } d ? ": " + d : "")}").ConfigureAwait(false);
        }
        Console.WriteLine($"{options.DisplayUrl}: {outcome.SuccessCount} of {bundle.Objects.Count} saved objects imported ({counts}){(options.Space is null ? "" : $" into space {options.Space}")}");
        Console.WriteLine($"dashboard: {options.Api("/app/dashboards#/view/" + DashboardId)}");
        return outcome.Errors.Count == 0 ? ExitCodes.Success : ExitCodes.Partial;
    }

    /// <summary>The shipped dashboard's id (kibana/saved-objects/3-dashboards.ndjson).</summary>
    public const string DashboardId = "sysmon-elastic-overview";
}
