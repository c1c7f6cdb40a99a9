using System.Diagnostics;
using Sysmon.Ingest.Pipeline;

namespace Sysmon.Elastic.Cli;

/// <summary>
/// Progress of a long run on standard error: one line rewritten in place on a terminal, plain lines every few
/// seconds otherwise (logs, CI).
/// </summary>
public sealed class ProgressReporter(TextWriter output, bool interactive, TimeSpan? interval = null)
{
    private readonly TimeSpan _interval = interval ?? (interactive ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(5));
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private TimeSpan _last = TimeSpan.FromDays(-1);
    private bool _wroteLine;
    private bool _saidStoring;

    public static ProgressReporter ForStandardError() => new(Console.Error, !Console.IsErrorRedirected);

    public void Report(RunSummary s) => Report(Done(s), s.Storing, now => Line(s, now));

    /// <summary>Progress of a copy of stored events (`reindex`): how many of the total are read.</summary>
    public void ReportCopy(long read, long total, RunSummary s) =>
        Report(total == 0 ? 1 : Math.Clamp((double)read / total, 0, 1), s.Storing, now => CopyLine(read, total, s, now));

    // One report: throttled to the interval, except the first that says the reading is done.
    private void Report(double done, bool storing, Func<TimeSpan, string> line)
    {
        lock (_lock)
        {
            var now = _clock.Elapsed;
            // The end of the reading is said at once: the last load can take seconds after a line that said "eta 3 s".
            var startsStoring = storing && !_saidStoring;
            if (now - _last < _interval && !startsStoring) return;
            _saidStoring |= storing;
            _last = now;
            var text = line(now);
            if (interactive)
            {
                output.Write($"\r{Bar(done)} {text}   ");
                _wroteLine = true;
            }
            else
            {
                output.WriteLine($"progress: {text}");
            }
        }
    }

    public void Finish()
    {
        lock (_lock)
        {
            if (interactive && _wroteLine) output.WriteLine();
        }
    }

    /// <summary>The progress line: how far (by bytes when the inputs' sizes are known, which moves within one large
    /// file; by files otherwise), the counts, and an estimate of the reading left.</summary>
    internal static string Line(RunSummary s, TimeSpan elapsed)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-3);
        var read = s.BytesRead;
        var line = $"{Done(s) * 100,3:F0}%  files {s.FilesDone}/{s.FilesTotal}  events {s.Events:N0}  {s.Events / seconds:N0}/s  " +
                   (s.BytesTotal > 0 ? $"read {read / 1e6:N1} of {s.BytesTotal / 1e6:N1} MB" : $"read {read / 1e6:N1} MB");
        // No estimate from the first seconds (the first report came at 0.4 s and said 20 minutes for a 23 s run),
        // nor for inputs that grew past their starting size.
        if (s.Storing) line += "  all read; storing the last events";
        else if (s.BytesTotal > 0 && read > 0 && read < s.BytesTotal && elapsed >= EstimateAfter)
        {
            line += $"  eta {Eta(TimeSpan.FromSeconds((s.BytesTotal - read) * seconds / read))}";
        }
        return line + (s.Duplicates > 0 ? $"  duplicates {s.Duplicates:N0}" : "") + (s.Rejected > 0 ? $"  rejected {s.Rejected:N0}" : "");
    }

    /// <summary>The progress line of a copy: events read of the total, the rate, the estimate, what was skipped.</summary>
    internal static string CopyLine(long read, long total, RunSummary s, TimeSpan elapsed)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-3);
        var line = $"{(total == 0 ? 100 : Math.Min(100, read * 100.0 / total)),3:F0}%  events {read:N0} of {total:N0}  {read / seconds:N0}/s";
        if (s.Storing) line += "  all read; storing the last events";
        else if (read > 0 && read < total && elapsed >= EstimateAfter) line += $"  eta {Eta(TimeSpan.FromSeconds((total - read) * seconds / read))}";
        return line + (s.Duplicates > 0 ? $"  already there {s.Duplicates:N0}" : "") + (s.Rejected > 0 ? $"  rejected {s.Rejected:N0}" : "");
    }

    private static readonly TimeSpan EstimateAfter = TimeSpan.FromSeconds(3);

    private static double Done(RunSummary s) => Math.Clamp(
        s.BytesTotal > 0 ? (double)s.BytesRead / s.BytesTotal : s.FilesTotal == 0 ? 0 : (double)s.FilesDone / s.FilesTotal, 0, 1);

    private static string Eta(TimeSpan left) => left.TotalHours >= 1 ? $"{(int)left.TotalHours}h{left.Minutes:D2}m"
        : left.TotalMinutes >= 1 ? $"{left.Minutes}m{left.Seconds:D2}s" : $"{Math.Ceiling(left.TotalSeconds):F0} s";

    private static string Bar(double fraction)
    {
        const int width = 24;
        var filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * width);
        return "[" + new string('#', filled) + new string('.', width - filled) + "]";
    }
}
