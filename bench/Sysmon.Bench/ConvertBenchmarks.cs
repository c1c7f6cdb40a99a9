using BenchmarkDotNet.Attributes;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Output;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Text;
using Sysmon.Ingest.Xml;

namespace Sysmon.Bench;

/// <summary>
/// convert throughput per input form on one thread: read + map to ECS + write NDJSON (to a null stream).
/// One operation = one event, so "Mean" is the time per event and "Allocated" the bytes per event.
/// </summary>
[MemoryDiagnoser]
public class ConvertBenchmarks
{
    public const int Events = 30_000;
    public static readonly int BatchSize = int.TryParse(Environment.GetEnvironmentVariable("BENCH_BATCH"), out var b) ? b : 1000;

    [Params("json", "text", "xml")]
    public string Format { get; set; } = "json";

    private byte[] _input = [];
    private IEventReader _reader = null!;
    private EcsMapper _mapper = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_input, _) = BenchData.Build(Format, Events);
        _reader = BenchData.ReaderFor(Format);
        _mapper = BenchData.Mapper();
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public async Task<int> Convert() => await ConvertOnce(_input, _reader, _mapper);

    public static async Task<int> ConvertOnce(byte[] input, IEventReader reader, EcsMapper mapper)
    {
        var n = 0;
        await using var sink = new NdjsonSink(Stream.Null, ownsStream: false);
        var batch = new List<EcsDocument>(BatchSize);
        await foreach (var r in reader.ReadAsync(new MemoryStream(input, writable: false), "bench", new ReaderOptions()))
        {
            if (r.Event is null) continue;
            batch.Add(mapper.Map(r.Event));
            if (batch.Count == BatchSize)
            {
                await sink.WriteAsync(batch, default);
                n += batch.Count;
                batch.Clear();
            }
        }
        await sink.WriteAsync(batch, default);
        return n + batch.Count;
    }
}
