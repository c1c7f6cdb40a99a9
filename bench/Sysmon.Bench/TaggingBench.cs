using System.Diagnostics;
using System.Net;
using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;
using Sysmon.Ingest.DeadLetter;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Output;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Stores.DuckDb;

namespace Sysmon.Bench;

/// <summary>IndicatorSet lookups with 1,000,000 indicators (half CIDRs), and the cost of tagging at ingest.</summary>
public static class TaggingBench
{
    public static async Task<int> RunAsync()
    {
        var indicators = new List<Indicator>(1_000_000);
        for (var i = 0; i < 500_000; i++)
        {
            indicators.Add(new Indicator(IndicatorType.Ipv4, $"{11 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}.1", "big"));
            indicators.Add(new Indicator(IndicatorType.Cidr, $"{100 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}.0/24", "big"));
        }
        var clock = Stopwatch.StartNew();
        var set = new IndicatorSet(indicators, null, false);
        Console.WriteLine($"IndicatorSet of {set.Count:N0} indicators (half CIDRs) built in {clock.Elapsed.TotalSeconds:F1} s, managed heap {GC.GetTotalMemory(true) / 1e6:F0} MB");
        var rng = new Random(1);
        var probes = Enumerable.Range(0, 1_000_000).Select(_ => new IPAddress((uint)rng.Next()).ToString()).ToArray();
        var found = new List<Indicator>();
        var hits = 0;
        clock.Restart();
        foreach (var p in probes)
        {
            found.Clear();
            set.MatchIp(p, found);
            hits += found.Count;
        }
        Console.WriteLine($"MatchIp: {probes.Length / clock.Elapsed.TotalSeconds:N0} lookups/s ({hits:N0} hits in {probes.Length:N0} random IPv4 addresses)");

        var (input, _) = BenchData.Build("json", 100_000);
        var path = Path.Combine(Path.GetTempPath(), "tagging-bench.ndjson");
        await File.WriteAllBytesAsync(path, input);
        var store = Path.Combine(Path.GetTempPath(), "tagging-bench.duckdb");
        File.Delete(store);
        using var duck = DuckDbStore.Open(store);
        var alerts = new DuckDbIndicatorStore(duck);
        foreach (var tagging in new[] { false, true, false, true })
        {
            var mapper = new EcsMapper(new EcsMapperOptions { HostName = "BENCH" });
            IEventSink sink = new NdjsonSink(Stream.Null, ownsStream: false);
            if (tagging) sink = new TaggingSink(sink, new EventTagger(() => set), alerts);
            using var dead = new DeadLetterWriter(Path.Combine(Path.GetTempPath(), "tagging-bench.dead.ndjson"));
            var pipeline = new EventPipeline(new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions()), mapper, sink, dead);
            var summary = await pipeline.RunAsync([new InputFile(path, input.Length)], default);
            Console.WriteLine($"pipeline {(tagging ? "with" : "without")} tagging: {summary.Events / summary.Elapsed.TotalSeconds:N0} events/s");
        }
        return 0;
    }
}
