using System.CommandLine;
using Sysmon.Elastic.Cli;
using Sysmon.Stores.Elasticsearch.Connection;
using Sysmon.Stores.Elasticsearch.Setup;

namespace Sysmon.Elastic.Commands;

/// <summary><c>setup elasticsearch [--store URL]</c>: installs or updates the templates, data streams, indices, enrich
/// policies and the ingest pipeline, idempotently, and says what it did.</summary>
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
        var command = new Command("setup", "Prepare a store.");
        command.Subcommands.Add(elasticsearch);
        return command;
    }
}
