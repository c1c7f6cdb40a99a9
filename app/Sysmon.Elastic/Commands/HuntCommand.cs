using System.CommandLine;
using Sysmon.Elastic.Cli;
using EsqlException = Sysmon.Queries.Esql.EsqlException;
using Sysmon.Queries;
using Sysmon.Queries.Hunts;

namespace Sysmon.Elastic.Commands;

/// <summary><c>hunt list</c>, <c>hunt NAME [--param k=v]... [--from T --to T] [--format]</c> and <c>query 'ES|QL'</c>.</summary>
public static class HuntCommand
{
    public static IEnumerable<Command> Create()
    {
        var store = StoreLocation.CreateOption();
        var format = new Option<string>("--format") { Description = "table (a result wider than the screen: one block of field and value lines per row), csv or json (an array of row objects).", DefaultValueFactory = _ => "table" };
        var huntsDir = new Option<string?>("--hunts") { Description = "A directory of your own NAME.esql hunts (beside the shipped ones)." };
        var name = new Argument<string>("name") { Description = "The hunt to run (see 'hunt list')." };
        var parameters = new Option<string[]>("--param") { Description = "A hunt parameter, name=value (repeatable)." };
        var from = new Option<string?>("--from") { Description = "Start of the time range, the hunt's 'from' parameter: ISO-8601 or date math (now-24h, now-7d/d)." };
        var to = new Option<string?>("--to") { Description = "End of the time range, the hunt's 'to' parameter: ISO-8601 or date math (now, now/d)." };

        var list = new Command("list", "List the stored hunts; with --store, also what their scheduled runs have kept there.");
        list.Options.Add(huntsDir);
        list.Options.Add(store);
        list.SetAction((result, ct) => CommandErrors.RunAsync(async _ =>
        {
            var catalog = HuntCatalog.Load(result.GetValue(huntsDir));
            // Only a store named on the command line is opened: the list itself needs none.
            Dictionary<string, StoredHuntRows>? stored = null;
            if (result.GetValue(store) is { } uri)
            {
                using var opened = Store.OpenExisting(StoreLocation.Parse(uri));
                stored = (await opened.HuntResults.StoredRowsAsync(ct).ConfigureAwait(false)).ToDictionary(r => r.Hunt, StringComparer.Ordinal);
            }
            foreach (var h in catalog)
            {
                var ps = string.Join(" ", h.Parameters.Select(p => p.Default is null ? $"{p.Name}:{p.Type} (required)" : $"{p.Name}:{p.Type}={p.Default}"));
                Console.WriteLine($"{h.Name,-26} {h.Title}{(h.Attack is null ? "" : $" [{h.Attack}]")}");
                Console.WriteLine($"{"",-26} {ps}");
                if (stored is null) continue;
                Console.WriteLine($"{"",-26} {(stored.TryGetValue(h.Name, out var kept)
                    ? $"stored: {kept.Rows:N0} row(s), the last from the run at {kept.LastRun.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}"
                    : h.Schedule is null ? "stored: none (not scheduled)" : "stored: none")}");
            }
            return ExitCodes.Success;
        }));

        var hunt = new Command("hunt", "Run a stored hunt (ES|QL) on the store.");
        hunt.Arguments.Add(name);
        foreach (var o in new Option[] { parameters, from, to, format, store, huntsDir }) hunt.Options.Add(o);
        hunt.Subcommands.Add(list);
        hunt.SetAction((result, ct) => CommandErrors.RunAsync(async _ =>
        {
            var huntName = result.GetValue(name)!;
            var catalog = HuntCatalog.Load(result.GetValue(huntsDir));
            var h = catalog.FirstOrDefault(x => x.Name == huntName)
                    ?? throw new UsageException($"no hunt named '{huntName}'{NameSuggestions.DidYouMean(huntName, catalog.Select(x => x.Name))} " +
                                                "(see 'sysmon-elastic hunt list')");
            var given = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in result.GetValue(parameters) ?? [])
            {
                var eq = p.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0) throw new UsageException($"--param '{p}' is not name=value");
                given[p[..eq]] = p[(eq + 1)..];
            }
            if (result.GetValue(from) is { } f) given["from"] = f;
            if (result.GetValue(to) is { } t) given["to"] = t;
            var values = UsageException.From(() => h.Bind(given));
            return await RunAsync(h.Query, values, result.GetValue(store), result.GetValue(format)!, ct).ConfigureAwait(false);
        }));

        var esql = new Argument<string>("esql") { Description = "An ES|QL query, e.g. 'FROM logs-sysmon-* | STATS n = COUNT(*) BY event.code'." };
        var query = new Command("query", "Run an ad-hoc ES|QL query on the store.");
        query.Arguments.Add(esql);
        query.Options.Add(format);
        query.Options.Add(store);
        query.SetAction((result, ct) => CommandErrors.RunAsync(_ =>
            RunAsync(result.GetValue(esql)!, new Dictionary<string, object?>(), result.GetValue(store), result.GetValue(format)!, ct)));
        return [hunt, query];
    }

    private static async Task<int> RunAsync(string esql, Dictionary<string, object?> values, string? storeUri, string format, CancellationToken ct)
    {
        using var opened = Store.OpenExisting(StoreLocation.Parse(storeUri));
        try
        {
            var result = await opened.Hunts.RunAsync(esql, values, ct).ConfigureAwait(false);
            ResultWriter.Write(Console.Out, result, format);
            // After the rows, on stderr: a csv or json result piped on stays clean.
            foreach (var warning in result.Warnings ?? []) await Console.Error.WriteLineAsync("warning: " + warning).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (EsqlException ex)
        {
            throw new UsageException("ES|QL: " + ex.Message);
        }
    }
}
