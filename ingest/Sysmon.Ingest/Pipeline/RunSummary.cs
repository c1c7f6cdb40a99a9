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
    public SortedDictionary<string, long> ByEventCode { get; } = new(Comparer<string>.Create(CompareCodes));
    public SortedDictionary<string, long> ByHost { get; } = new(StringComparer.OrdinalIgnoreCase);
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
            if (host is not null) ByHost[host] = ByHost.GetValueOrDefault(host) + 1;
        }
    }

    /// <summary>Takes back an event counted as stored that the sink refused later (bulk loads).</summary>
    public void UncountEvent(string code, string? host)
    {
        Interlocked.Decrement(ref _events);
        lock (_lock)
        {
            if (ByEventCode.TryGetValue(code, out var n)) ByEventCode[code] = n - 1;
            if (host is not null && ByHost.TryGetValue(host, out var h)) ByHost[host] = h - 1;
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

    /// <summary>The human summary printed to stderr at the end of a run.</summary>
    public string Format(string verb)
    {
        var sb = new System.Text.StringBuilder();
        var seconds = Math.Max(Elapsed.TotalSeconds, 1e-6);
        sb.AppendLine($"{verb} {Events:N0} events from {FilesDone} file(s) in {Elapsed.TotalSeconds:F2} s ({Events / seconds:N0} events/s)");
        if (ByEventCode.Count > 0)
        {
            sb.AppendLine("  by event code: " + string.Join(", ", ByEventCode.Select(kv => $"{kv.Key}: {kv.Value:N0}")));
        }
        if (ByHost.Count > 0 && ByHost.Count <= 20)
        {
            sb.AppendLine("  by host:       " + string.Join(", ", ByHost.Select(kv => $"{kv.Key}: {kv.Value:N0}")));
        }
        else if (ByHost.Count > 20)
        {
            sb.AppendLine($"  hosts:         {ByHost.Count:N0}");
        }
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
