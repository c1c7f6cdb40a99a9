using System.Diagnostics;
using Sysmon.Stores.DuckDb;

namespace Sysmon.Bench;

/// <summary>
/// `reindex`'s reading side alone: a DuckDB store's events read back as ECS documents (DuckDbStoredEvents), nothing
/// written; then DuckDB's part alone (the page queries, every value fetched, nothing converted). Time, allocation,
/// collections and peak working set.
/// </summary>
internal static class ReadBackBench
{
    public static async Task<int> RunAsync(string path, int pageRows)
    {
        using var store = DuckDbStore.Open(path);
        var source = new DuckDbStoredEvents(store) { PageRows = pageRows };
        Console.WriteLine($"{path}: {store.Count():N0} events, pages of {pageRows:N0} rows");

        var gc = GcFigures.Now();
        var clock = Stopwatch.StartNew();
        long events = 0, fields = 0;
        await foreach (var e in source.ReadAsync(null, CancellationToken.None))
        {
            events++;
            fields += e.Document?.Count ?? 0;
        }
        Report("documents", events, clock.Elapsed, GcFigures.Now() - gc);
        Console.WriteLine($"  {fields / (double)Math.Max(events, 1):F1} fields per document");

        gc = GcFigures.Now();
        clock.Restart();
        var rows = source.ScanValuesOnly();
        Report("DuckDB only", rows, clock.Elapsed, GcFigures.Now() - gc);
        Console.WriteLine($"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");
        return 0;
    }

    private static void Report(string what, long events, TimeSpan elapsed, GcFigures gc) =>
        Console.WriteLine($"  {what,-12} {events:N0} in {elapsed.TotalSeconds:F2} s ({events / elapsed.TotalSeconds:N0}/s); " +
                          $"allocated {gc.Allocated / 1e9:F2} GB, gen0/1/2 {gc.Gen0}/{gc.Gen1}/{gc.Gen2}, paused {gc.Paused.TotalSeconds:F2} s");
}
