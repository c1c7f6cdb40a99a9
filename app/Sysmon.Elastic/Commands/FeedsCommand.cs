using System.CommandLine;
using System.Text.Json;
using Sysmon.Elastic.Cli;
using Sysmon.Queries;
using Sysmon.Enrich.Feeds;

namespace Sysmon.Elastic.Commands;

/// <summary><c>feeds update [NAME]</c> pulls feeds now; <c>feeds list</c> shows their state.</summary>
public static class FeedsCommand
{
    public static Command Create()
    {
        var feedsFile = new Option<string?>("--feeds") { Description = "Feed definitions (JSON {\"feeds\":[...]}); default: the shipped feeds.default.json." };
        var store = StoreLocation.CreateOption();
        var name = new Argument<string?>("name") { Description = "Only this feed.", Arity = ArgumentArity.ZeroOrOne };
        var format = new Option<string>("--format") { Description = "table or json.", DefaultValueFactory = _ => "table" };

        var update = new Command("update", "Pull feeds now: download, parse, replace each feed's indicators, retro-hunt the new ones.");
        update.Arguments.Add(name);
        // Collected logs are often older than the 30 days a worker looks back: a responder adding a feed to a case's
        // store was told "retro-hunt raised 0 alert(s)" with the case's events never searched.
        var retroDays = new Option<int>("--retro-hunt-days")
        {
            Description = "How far back (days before now) the retro-hunt searches stored events for the new indicators.",
            DefaultValueFactory = _ => 30,
        };
        update.Options.Add(feedsFile);
        update.Options.Add(store);
        update.Options.Add(retroDays);
        update.SetAction((result, ct) => CommandErrors.RunAsync(async stderr =>
        {
            var defined = Definitions(result.GetValue(feedsFile));
            var feeds = defined.Where(f => f.Enabled || result.GetValue(name) == f.Name).ToList();
            if (result.GetValue(name) is { } only)
            {
                feeds = feeds.Where(f => f.Name == only).ToList();
                if (feeds.Count == 0) throw new UsageException($"no feed named '{only}'{NameSuggestions.DidYouMean(only, defined.Select(f => f.Name))} (see 'sysmon-elastic feeds list')");
            }
            var days = result.GetValue(retroDays);
            if (days is < 0 or > 36500) throw new UsageException($"--retro-hunt-days {days}: give a number of days from 0 to 36500");
            using var opened = Store.OpenWhenFree(StoreLocation.Parse(result.GetValue(store)));
            using var http = FeedHttp.CreateClient();
            var refresher = new FeedRefresher(new FeedDownloader(http), opened.Indicators) { RetroHuntWindow = TimeSpan.FromDays(days) };
            var alerts = new AlertLines(stderr);
            var failed = 0;
            foreach (var feed in feeds)
            {
                var r = await refresher.RefreshAsync(feed, ct, alerts.Add).ConfigureAwait(false);
                if (r.Succeeded)
                {
                    var hunted = $"retro-hunt of events since {r.RetroHuntSince?.ToString("yyyy-MM-dd HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture)} raised {r.RetroAlerts} alert(s)";
                    await stderr.WriteLineAsync(r.NotModified
                        ? $"{r.Feed}: not modified ({r.Indicators} indicators kept)" + (r.ResumedHunt > 0 ? "; " + hunted : "")
                        : $"{r.Feed}: {r.Indicators} indicators ({r.NewIndicators} new, {r.Rejected} invalid entries); {hunted}").ConfigureAwait(false);
                    if (r.ResumedHuntNote is { } resumed) await stderr.WriteLineAsync(resumed).ConfigureAwait(false);
                    if (r.AllowListedNote is { } note) await stderr.WriteLineAsync("warning: " + note).ConfigureAwait(false);
                }
                else
                {
                    failed++;
                    await stderr.WriteLineAsync($"{r.Feed}: FAILED, last good set kept: {r.Error}").ConfigureAwait(false);
                }
            }
            if (feeds.Count == 0) await stderr.WriteLineAsync("no enabled feed (enable one in the feeds file, or name it)").ConfigureAwait(false);
            if (alerts.NotShown(opened.Location) is { } notShown) await stderr.WriteLineAsync(notShown).ConfigureAwait(false);
            return failed == 0 ? ExitCodes.Success : ExitCodes.Partial;
        }));

        var list = new Command("list", "Show each feed's state: indicators, invalid entries, retro-hunts pending, last success, last error.");
        list.Options.Add(feedsFile);
        list.Options.Add(store);
        list.Options.Add(format);
        list.SetAction((result, ct) => CommandErrors.RunAsync(async stderr =>
        {
            var definitions = Definitions(result.GetValue(feedsFile)); // a feeds file that cannot be used is said before the store is opened
            using var opened = Store.OpenExisting(StoreLocation.Parse(result.GetValue(store)));
            var states = (await opened.Indicators.ListFeedStatesAsync(ct).ConfigureAwait(false)).ToDictionary(s => s.Name);
            var defined = definitions.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
            var rows = definitions.Select(f => states.GetValueOrDefault(f.Name) ?? new FeedState { Name = f.Name })
                .Concat(states.Values.Where(s => !defined.Contains(s.Name))).ToList();
            // A retro-hunt cut short (a crash, a stop) runs at the feed's next refresh; until then the list says so.
            var pending = await opened.Indicators.CountPendingRetroHuntsAsync(ct).ConfigureAwait(false);
            if (result.GetValue(format) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(rows.Select(r => new
                    {
                        r.Name, r.Indicators, r.Rejected, r.LastSuccess, r.LastError, RetroHuntPending = pending.GetValueOrDefault(r.Name),
                    }),
                    new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true }));
            }
            else
            {
                Console.WriteLine($"{"feed",-26} {"indicators",10} {"invalid",8} {"hunt pending",12}  {"last success",-20}  last error");
                foreach (var r in rows)
                {
                    var waiting = pending.TryGetValue(r.Name, out var n) ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
                    Console.WriteLine($"{r.Name,-26} {r.Indicators,10} {r.Rejected,8} {waiting,12}  " +
                                      $"{r.LastSuccess?.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) ?? "never",-20}  {r.LastError}");
                }
                if (pending.Count > 0)
                {
                    Console.WriteLine("hunt pending: new indicators whose search of the stored events has not finished; it runs at the feed's next refresh (sysmon-elastic feeds update NAME)");
                    // A feed taken out of the feeds file keeps its indicators, but nothing refreshes it any more.
                    foreach (var name in pending.Keys.Where(n => !defined.Contains(n)).Order(StringComparer.Ordinal))
                    {
                        Console.WriteLine($"  {name} is not in the feeds file: its hunt runs only if the feed is put back");
                    }
                }
            }
            return ExitCodes.Success;
        }));

        var command = new Command("feeds", "Threat-intelligence feeds.");
        command.Subcommands.Add(update);
        command.Subcommands.Add(list);
        return command;
    }

    /// <summary>The feeds of <paramref name="file"/> (default: the shipped feeds.default.json); one that is missing,
    /// not JSON or names a feed that cannot be refreshed is a usage error, not an unhandled exception.</summary>
    public static List<FeedDefinition> Definitions(string? file) =>
        UsageException.From(() => FeedCatalog.Load(file ?? Path.Combine(AppContext.BaseDirectory, "feeds.default.json")));

    /// <summary>Checks a feed defined in appsettings.json's "feeds" section, as <see cref="Definitions"/> does a file's.</summary>
    public static void Validate(FeedDefinition feed, string where) => UsageException.From(() => FeedCatalog.Validate(feed, where));
}
