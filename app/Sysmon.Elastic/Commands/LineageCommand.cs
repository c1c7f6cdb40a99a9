using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Sysmon.Elastic.Cli;
using Sysmon.Queries.Lineage;

namespace Sysmon.Elastic.Commands;

/// <summary><c>lineage GUID [--depth N] [--format tree|json]</c>: ancestors and descendants of one process.</summary>
public static class LineageCommand
{
    public static Command Create()
    {
        var guid = new Argument<string>("guid") { Description = "The process GUID (process.entity_id), braces included." };
        var depth = new Option<int>("--depth") { Description = "How many levels up and down to follow.", DefaultValueFactory = _ => 50 };
        var format = new Option<string>("--format") { Description = "tree or json.", DefaultValueFactory = _ => "tree" };
        var store = StoreLocation.CreateOption();
        var command = new Command("lineage", "Show the ancestors (root first) and the descendants of a process.");
        command.Arguments.Add(guid);
        command.Options.Add(depth);
        command.Options.Add(format);
        command.Options.Add(store);
        command.SetAction((result, ct) => CommandErrors.RunAsync(async stderr =>
        {
            var location = StoreLocation.Parse(result.GetValue(store));
            using var opened = Store.OpenExisting(location);
            var lineage = await new ProcessLineage(opened.Processes).BuildAsync(result.GetValue(guid)!, Math.Max(1, result.GetValue(depth)), ct)
                .ConfigureAwait(false);
            if (result.GetValue(format) == "json") Console.WriteLine(Json(lineage));
            else Tree(Console.Out, lineage);
            foreach (var p in lineage.Problems) await stderr.WriteLineAsync($"note: {p.EntityId}: {p.Problem}").ConfigureAwait(false);
            return lineage.Process is null ? ExitCodes.Partial : ExitCodes.Success;
        }));
        return command;
    }

    private static string Describe(ProcessNode n)
    {
        var head = string.Join(' ', new[]
        {
            n.Timestamp?.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), n.Host, n.Executable ?? "<image not recorded>",
            n.Pid is { } pid ? "pid " + pid.ToString(CultureInfo.InvariantCulture) : null, n.User, $"[{n.EntityId}]",
        }.Where(part => part is not null));
        var known = n.KnownFrom switch
        {
            ProcessKnownFrom.OtherEvents => "  (creation not stored: first seen in its other events at this time)",
            ProcessKnownFrom.ChildEvent => "  (creation not stored: as its child's creation describes it)",
            _ => "",
        };
        return $"{head}{(n.IndicatorMatched ? "  !! indicator match" : "")}{known}" +
            $"{(n.CommandLine is null ? "" : $"\n      {n.CommandLine}")}{(n.Sha256 is null ? "" : $"\n      sha256 {n.Sha256}")}";
    }

    private static void Tree(TextWriter output, LineageResult r)
    {
        var indent = 0;
        foreach (var a in r.Ancestors) output.WriteLine(new string(' ', 2 * indent++) + "^ " + Describe(a));
        if (r.Process is not null)
        {
            output.WriteLine(new string(' ', 2 * indent) + "* " + Describe(r.Process));
            void Down(ProcessNode n, int level)
            {
                foreach (var c in n.Children)
                {
                    output.WriteLine(new string(' ', 2 * level) + "- " + Describe(c));
                    Down(c, level + 1);
                }
            }
            Down(r.Process, indent + 1);
        }
    }

    private static string Json(LineageResult r)
    {
        object Node(ProcessNode n, bool withChildren) => new Dictionary<string, object?>
        {
            ["process.entity_id"] = n.EntityId,
            ["process.parent.entity_id"] = n.ParentEntityId,
            ["@timestamp"] = n.Timestamp?.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["host.name"] = n.Host,
            ["process.executable"] = n.Executable,
            ["process.command_line"] = n.CommandLine,
            ["process.hash.sha256"] = n.Sha256,
            ["process.pid"] = n.Pid,
            ["user"] = n.User,
            ["indicator_matched"] = n.IndicatorMatched,
            ["known_from"] = n.KnownFrom switch
            {
                ProcessKnownFrom.OtherEvents => "other_events",
                ProcessKnownFrom.ChildEvent => "child_creation",
                _ => "process_creation",
            },
            ["children"] = withChildren ? n.Children.Select(c => Node(c, true)).ToList() : null,
        };
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["process"] = r.Process is null ? null : Node(r.Process, false),
            ["ancestors"] = r.Ancestors.Select(a => Node(a, false)).ToList(),
            ["descendants"] = r.Descendants.Select(d => Node(d, true)).ToList(),
            ["problems"] = r.Problems.Select(p => new { entity_id = p.EntityId, problem = p.Problem }).ToList(),
        }, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}
