using System.Diagnostics;
using Sysmon.Ingest.Reading;

namespace Sysmon.Ingest.Pipeline;

/// <summary>What a run did: counted as it goes, printed at the end, and the basis of the exit code.</summary>
public sealed class RunSummary
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private long _events;
    private long _rejected;
    private long _duplicates;
    private long _bytesRead;
    private int _filesDone;
    private readonly Lock _lock = new();

    // Counters are updated by the reading and the writing side of the pipeline at once.
    public long Events => Interlocked.Read(ref _events);
    public long Rejected => Interlocked.Read(ref _rejected);
    public long Duplicates => Interlocked.Read(ref _duplicates);
    public long BytesRead => Interlocked.Read(ref _bytesRead);
    public int FilesDone => Volatile.Read(ref _filesDone);
    public int FilesTotal { get; set; }

    /// <summary>The inputs' sizes when the run started (0 when unknown, e.g. standard input): what progress
    /// measures <see cref="BytesRead"/> against.</summary>
    public long BytesTotal { get; set; }
    public string? CurrentFile { get; set; }

    public void AddDuplicates(long n) => Interlocked.Add(ref _duplicates, n);
    /// <summary>Counts bytes as the readers take them from the inputs (any thread).</summary>
    public void AddBytesRead(long bytes) => Interlocked.Add(ref _bytesRead, bytes);

    public void FileDone() => Interlocked.Increment(ref _filesDone);

    private volatile bool _storing;

    /// <summary>True once everything is read and the sink stores what it still holds (a bulk sink's last load).</summary>
    public bool Storing => _storing;

    public void StartStoring() => _storing = true;
    // Hashed, not sorted: counted for every event; the summary sorts them once.
    public Dictionary<string, long> ByEventCode { get; } = new(StringComparer.Ordinal);
    /// <summary>Events per host.name ("" for events that name none).</summary>
    public Dictionary<string, long> ByHost { get; } = new(StringComparer.OrdinalIgnoreCase);
    public SortedDictionary<string, long> SkippedChannels { get; } = new(StringComparer.OrdinalIgnoreCase);
    public SortedDictionary<InputFormat, int> Formats { get; } = [];
    public List<string> Ignored { get; } = [];
    public List<string> Warnings { get; } = [];
    public List<string> Info { get; } = [];
    public List<string> UnreadableFiles { get; } = [];
    public string? DeadLetterPath { get; set; }

    public TimeSpan Elapsed => _clock.Elapsed;

    public long SkippedByChannel
    {
        get
        {
            lock (_lock) return SkippedChannels.Values.Sum();
        }
    }

    /// <summary>0 success, 1 partial (records rejected or files unreadable), as architecture.md says.</summary>
    public int ExitCode => Rejected > 0 || UnreadableFiles.Count > 0 ? 1 : 0;

    public void CountEvent(string code, string? host)
    {
        Interlocked.Increment(ref _events);
        lock (_lock)
        {
            ByEventCode[code] = ByEventCode.GetValueOrDefault(code) + 1;
            host ??= "";
            ByHost[host] = ByHost.GetValueOrDefault(host) + 1;
        }
    }

    /// <summary>Takes back an event counted as stored that the sink refused later (bulk loads).</summary>
    public void UncountEvent(string code, string? host)
    {
        Interlocked.Decrement(ref _events);
        lock (_lock)
        {
            if (ByEventCode.TryGetValue(code, out var n)) ByEventCode[code] = n - 1;
            if (ByHost.TryGetValue(host ?? "", out var h)) ByHost[host ?? ""] = h - 1;
        }
    }

    public void CountRejected() => Interlocked.Increment(ref _rejected);

    public void CountSkippedChannel(string channel)
    {
        lock (_lock) SkippedChannels[channel] = SkippedChannels.GetValueOrDefault(channel) + 1;
    }

    public void CountFormat(InputFormat format) => Formats[format] = Formats.GetValueOrDefault(format) + 1;

    public void Stop() => _clock.Stop();

    private static int CompareCodes(string? a, string? b)
    {
        var na = int.TryParse(a, out var x);
        var nb = int.TryParse(b, out var y);
        if (na && nb) return x.CompareTo(y);
        return string.CompareOrdinal(a, b);
    }

    /// <summary>Hosts listed by name in the summary, the busiest first; the others are summed on one line.</summary>
    public const int HostsListed = 20;

    /// <summary>The host row of events that name none (rendered message text without --host).</summary>
    public const string NoHost = "(no host.name)";

    // One row per event code: its number, Sysmon's name for it, and the events.
    private void AppendCodeTable(System.Text.StringBuilder sb)
    {
        if (ByEventCode.Count == 0) return;
        var rows = ByEventCode.Where(kv => kv.Value > 0).OrderBy(kv => kv.Key, Comparer<string>.Create(CompareCodes)).Select(kv => (kv.Key, Name: NameOf(kv.Key), Count: kv.Value.ToString("N0"))).ToList();
        if (rows.Count == 0) return;
        var nameWidth = Math.Max("event".Length, rows.Max(r => r.Name.Length));
        var countWidth = Math.Max("events".Length, rows.Max(r => r.Count.Length));
        sb.AppendLine($"  {"code",5}  {"event".PadRight(nameWidth)}  {"events".PadLeft(countWidth)}");
        foreach (var (code, name, count) in rows) sb.AppendLine($"  {code,5}  {name.PadRight(nameWidth)}  {count.PadLeft(countWidth)}");
    }

    // The busiest hosts by name (ties by name), then how many more and their events.
    private void AppendHostTable(System.Text.StringBuilder sb)
    {
        var hosts = ByHost.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase).ToList();
        if (hosts.Count == 0) return;
        var listed = hosts.Take(HostsListed).Select(kv => (Name: kv.Key.Length == 0 ? NoHost : kv.Key, Count: kv.Value.ToString("N0"))).ToList();
        var nameWidth = Math.Max("host".Length, listed.Max(h => h.Name.Length));
        var countWidth = Math.Max("events".Length, listed.Max(h => h.Count.Length));
        sb.AppendLine($"  {"host".PadRight(nameWidth)}  {"events".PadLeft(countWidth)}");
        foreach (var (name, count) in listed) sb.AppendLine($"  {name.PadRight(nameWidth)}  {count.PadLeft(countWidth)}");
        if (hosts.Count > HostsListed)
        {
            sb.AppendLine($"  ... {hosts.Count - HostsListed:N0} more host(s) ({hosts.Count:N0} in all): {hosts.Skip(HostsListed).Sum(kv => kv.Value):N0} events");
        }
    }

    // "Process Create" for "1" (the rendered message's header, as Sysmon names the event); "" for a code it does not know.
    private static string NameOf(string code) =>
        int.TryParse(code, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) &&
        Catalogue.EventCatalogue.Default.Find(id) is { Headers: [var header, ..] }
            ? header.TrimEnd().TrimEnd(':')
            : "";

    /// <summary>The human summary printed to stderr at the end of a run.</summary>
    /// <param name="from">Where the events came from; by default the number of files.</param>
    public string Format(string verb, string? from = null)
    {
        var sb = new System.Text.StringBuilder();
        var seconds = Math.Max(Elapsed.TotalSeconds, 1e-6);
        sb.AppendLine($"{verb} {Events:N0} events from {from ?? $"{FilesDone} file(s)"} in {Elapsed.TotalSeconds:F2} s ({Events / seconds:N0} events/s)");
        AppendCodeTable(sb);
        AppendHostTable(sb);
        if (Duplicates > 0) sb.AppendLine($"  newly stored: {Events - Duplicates:N0}; duplicates skipped (already stored): {Duplicates:N0}");
        if (SkippedChannels.Count > 0)
        {
            sb.AppendLine("  skipped, other channels: " + string.Join(", ", SkippedChannels.Select(kv => $"{kv.Key}: {kv.Value:N0}")));
        }
        foreach (var note in Ignored) sb.AppendLine("  note: " + note);
        foreach (var info in Info) sb.AppendLine("  " + info);
        foreach (var warning in Warnings) sb.AppendLine("  warning: " + warning);
        foreach (var file in UnreadableFiles) sb.AppendLine("  unreadable: " + file);
        if (Rejected > 0) sb.AppendLine($"  REJECTED {Rejected:N0} record(s); see {DeadLetterPath ?? "the dead-letter file"}");
        return sb.ToString();
    }
}
