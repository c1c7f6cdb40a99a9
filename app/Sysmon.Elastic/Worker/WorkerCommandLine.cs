using System.CommandLine;
using System.Reflection;
using Sysmon.Elastic.Cli;

namespace Sysmon.Elastic.Worker;

/// <summary>
/// <c>run</c>'s own options (<c>--store</c>, <c>--spool</c>, ...), named as <c>ingest</c> names them, and the check of
/// the rest of its command line, which is configuration (<c>--Worker:PollInterval=00:00:05</c>). Before, <c>run --store
/// X --spool Y</c> was taken as the unknown keys "store" and "spool": the worker watched ./spool and stored into
/// ./sysmon.duckdb without a word.
/// </summary>
public sealed class WorkerCommandLine
{
    public Option<string?> Store { get; } = new("--store")
    {
        Description = $"Store URI, as for ingest (Worker:Store; default {StoreLocation.DefaultUri}, or ${StoreLocation.EnvironmentVariable}).",
    };

    public Option<string[]> Spool { get; } = new("--spool")
    {
        Description = "Directory to watch, recursively (repeatable; replaces Worker:SpoolDirectories; default ./spool).",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> StateFile { get; } = new("--state-file")
    {
        Description = "Checkpoint file (Worker:StateFile; default ./sysmon-elastic.state.json).",
    };

    public Option<string?> DeadLetter { get; } = new("--dead-letter")
    {
        Description = "File for rejected input (Worker:DeadLetter; default ./sysmon-elastic.deadletter.ndjson).",
    };

    public Option<string[]> Channel { get; } = new("--channel")
    {
        Description = "Channels to keep (repeatable; replaces Worker:Channels); '*' keeps every channel. Default: Sysmon's.",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> Host { get; } = new("--host")
    {
        Description = "host.name for inputs that carry no computer name (Worker:HostName).",
    };

    public Option<string?> Feeds { get; } = new("--feeds")
    {
        Description = "Feed definitions file (Worker:FeedsFile; default: the shipped feeds).",
    };

    public Option<string?> Hunts { get; } = new("--hunts")
    {
        Description = "Directory of your own NAME.esql hunts, scheduled beside the shipped ones (Worker:HuntsDirectory).",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Store, Spool, StateFile, DeadLetter, Channel, Host, Feeds, Hunts }) command.Options.Add(option);
    }

    /// <summary>What the options given set, applied over the configuration (they win over every other source; a
    /// list given replaces the configured one rather than overwriting its first entries).</summary>
    public Action<WorkerOptions> Overrides(ParseResult result)
    {
        var store = result.GetValue(Store);
        var spool = result.GetValue(Spool) ?? [];
        var stateFile = result.GetValue(StateFile);
        var deadLetter = result.GetValue(DeadLetter);
        var channels = result.GetValue(Channel) ?? [];
        var host = result.GetValue(Host);
        var feeds = result.GetValue(Feeds);
        var hunts = result.GetValue(Hunts);
        return o =>
        {
            if (store is not null) o.Store = store;
            if (spool.Length > 0) o.SpoolDirectories = [.. spool];
            if (stateFile is not null) o.StateFile = stateFile;
            if (deadLetter is not null) o.DeadLetter = deadLetter;
            if (channels.Length > 0) o.Channels = [.. channels];
            if (host is not null) o.HostName = host;
            if (feeds is not null) o.FeedsFile = feeds;
            if (hunts is not null) o.HuntsDirectory = hunts;
        };
    }

    // The settings of the Worker section, for telling a misspelt key from a real one.
    private static readonly HashSet<string> WorkerKeys = typeof(WorkerOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Checks the tokens left over after the options above, which the host reads as configuration: each must be a
    /// key with its section (<c>--Worker:Store=X</c>, <c>--Worker:Store X</c>, <c>/Worker:Store=X</c>,
    /// <c>Worker:Store=X</c>, the forms .NET's command-line configuration reads). Anything else, which it would
    /// ignore (or, for <c>-Key=X</c>, fail on with a stack trace), is a usage error naming the token.
    /// </summary>
    public static void CheckConfigurationTokens(IReadOnlyList<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var prefix = token.StartsWith("--", StringComparison.Ordinal) ? 2 : token.StartsWith('/') ? 1 : 0;
            var equals = token.IndexOf('=');
            var key = equals < 0 ? token[prefix..] : token[prefix..equals];
            if ((prefix == 0 && (equals < 0 || token.StartsWith('-'))) || key.IndexOf(':') <= 0)
                throw new UsageException($"run: unexpected argument '{token}' (see run --help: directories to watch are given with --spool DIR, settings as --Worker:NAME=VALUE)");
            CheckWorkerKey(token, key);
            if (equals >= 0) continue;
            if (i + 1 == tokens.Count) throw new UsageException($"run: '{token}' needs a value ({token}=VALUE)");
            i++; // the value of "--Section:Key VALUE"
        }
    }

    // Keys of other sections (Logging, feeds) are open-ended; a Worker key must name one of its settings.
    private static void CheckWorkerKey(string token, string key)
    {
        var colon = key.IndexOf(':');
        if (!key.AsSpan(0, colon).Equals("Worker", StringComparison.OrdinalIgnoreCase)) return;
        var name = key[(colon + 1)..];
        var end = name.IndexOf(':');
        if (!WorkerKeys.Contains(end < 0 ? name : name[..end]))
            throw new UsageException($"run: '{token}' names no setting of the Worker section (settings: {string.Join(", ", WorkerKeys.Order(StringComparer.Ordinal))})");
    }
}
