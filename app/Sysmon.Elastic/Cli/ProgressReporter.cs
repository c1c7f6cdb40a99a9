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

    public static ProgressReporter ForStandardError() => new(Console.Error, !Console.IsErrorRedirected);

    public void Report(RunSummary s)
    {
        lock (_lock)
        {
            var now = _clock.Elapsed;
            if (now - _last < _interval) return;
            _last = now;
            var rate = s.Events / Math.Max(now.TotalSeconds, 1e-3);
            var line = $"files {s.FilesDone}/{s.FilesTotal}  events {s.Events:N0}  {rate:N0}/s  read {s.BytesRead / 1e6:N1} MB" +
                       (s.Duplicates > 0 ? $"  duplicates {s.Duplicates:N0}" : "") + (s.Rejected > 0 ? $"  rejected {s.Rejected:N0}" : "");
            if (interactive)
            {
                var bar = Bar(s.FilesTotal == 0 ? 0 : (double)s.FilesDone / s.FilesTotal);
                output.Write($"\r{bar} {line}   ");
                _wroteLine = true;
            }
            else
            {
                output.WriteLine($"progress: {line}");
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

    private static string Bar(double fraction)
    {
        const int width = 24;
        var filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * width);
        return "[" + new string('#', filled) + new string('.', width - filled) + "]";
    }
}
