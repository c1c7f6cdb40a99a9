using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Evtx;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Text;
using Sysmon.Ingest.Xml;

namespace Sysmon.Bench;

public static class Program
{
    /// <summary>
    /// <c>dotnet run -c Release --project bench/Sysmon.Bench -- quick</c>: a stopwatch pass per format (seconds);
    /// any other arguments go to BenchmarkDotNet (e.g. <c>--filter *Convert*</c>).
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "quick") return await QuickAsync();
        if (args.Length > 0 && args[0] == "stages") return await StagesAsync(args.Length > 1 ? args[1] : null);
        if (args.Length > 1 && args[0] == "allocs") return await AllocsAsync(args[1], args.Length > 2 ? args[2] : "map");
        if (args.Length > 0 && args[0] == "write") return await WriteOnlyAsync();
        if (args.Length > 0 && args[0] == "map") return await MapOnlyAsync();
        if (args.Length > 1 && args[0] == "split") return SplitOnly(args[1]);
        if (args.Length > 1 && args[0] == "read") return await ReadOnlyAsync(args[1]);
        if (args.Length > 0 && args[0] == "duck") return await DuckAsync();
        if (args.Length > 1 && args[0] == "duck-loads") return await DuckLoadsAsync(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3);
        if (args.Length > 1 && args[0] == "layouts") return await LayoutBench.RunAsync(args[1]);
        if (args.Length > 0 && args[0] == "load-lines") return await LoadLinesAsync();
        if (args.Length > 0 && args[0] == "tagging") return await TaggingBench.RunAsync();
        if (args.Length > 1 && args[0] == "read-back") return await ReadBackBench.RunAsync(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : Sysmon.Stores.DuckDb.DuckDbStore.RowGroupSize);
        if (args.Length > 0 && args[0] == "evtx") return await EvtxAsync(args.Length > 1 ? args[1] : null);
        if (args.Length > 1 && args[0] == "evtx-file")
        {
            // Only build the EVTX from the corpus: ~128 MB by default (bench/run.sh times the CLI and evtxexport on it);
            // `evtx-file OUT MEGABYTES unique` renumbers the repeated records, so that ingest stores every one.
            var megabytes = args.Length > 2 ? long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 128;
            Console.WriteLine(EvtxBenchFile.Build(Path.Combine(BenchData.RepositoryRoot(), "..", "shared", "corpus", "evtx"), args[1],
                megabytes << 20, uniqueRecords: args.Length > 3 && args[3] == "unique"));
            return 0;
        }
        var config = DefaultConfig.Instance.AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(8).WithLaunchCount(1));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return 0;
    }

    // Reads every event of the input (and maps it, given a mapper); returns the events read.
    private static async Task<int> ReadOnceAsync(byte[] input, IEventReader reader, EcsMapper? mapper)
    {
        var n = 0;
        await foreach (var r in reader.ReadAsync(new MemoryStream(input), "b", new ReaderOptions()))
        {
            if (r.Event is null) continue;
            mapper?.Map(r.Event);
            n++;
        }
        return n;
    }

    // Which types read (+ map, + write) allocate on a file's events, sampled by the runtime's AllocationTick.
    private static async Task<int> AllocsAsync(string file, string stage)
    {
        var mapper = BenchData.Mapper();
        var format = BenchData.FormatOf(file);
        var input = File.ReadAllBytes(file);
        var reader = BenchData.ReaderFor(format);
        using var sampler = new AllocationSampler();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var everyThread = GC.GetTotalAllocatedBytes(precise: true);
        var n = stage switch
        {
            "write" => await ConvertBenchmarks.ConvertOnce(input, reader, mapper),
            "ingest" => await IngestOnceAsync(file),
            _ => await ReadOnceAsync(input, reader, stage == "map" ? mapper : null),
        };
        // The pipeline of `ingest` runs on pool threads: its figure counts every thread's allocations.
        var allocated = stage == "ingest" ? GC.GetTotalAllocatedBytes(precise: true) - everyThread : GC.GetAllocatedBytesForCurrentThread() - before;
        Console.WriteLine($"{format} {stage}: {n:N0} events, {allocated / (double)n:N0} B/ev");
        foreach (var (type, share) in sampler.Top(25)) Console.WriteLine($"{share,7:P1}  {type}");
        return 0;
    }

    // The ingest command's pipeline (reader, mapper, bulk DuckDB sink) on a file, into a scratch store; events stored.
    private static async Task<int> IngestOnceAsync(string file)
    {
        var dir = Directory.CreateTempSubdirectory("allocs-ingest").FullName;
        try
        {
            using var store = Sysmon.Stores.DuckDb.DuckDbStore.Open(Path.Combine(dir, "bench.duckdb"));
            await using var sink = new Sysmon.Stores.DuckDb.DuckDbEventSink(store, SinkMode.Bulk);
            using var dead = new Sysmon.Ingest.DeadLetter.DeadLetterWriter(Path.Combine(dir, "dead.ndjson"));
            var pipeline = new EventPipeline(new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions()), BenchData.Mapper(), sink, dead);
            var summary = await pipeline.RunAsync([new InputFile(file, new FileInfo(file).Length)], default);
            return (int)summary.Events;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // Where the time goes: read only, read + map, read + map + write. Without a file, on the samples repeated (every
    // event type, but the same ~30 records over and over, so caches of repeated values always hit); with a file (a
    // generated fleet: `generate` or bench/make-json-fleet.sh), on that file's events, which is what ingest sees.
    private static async Task<int> StagesAsync(string? file)
    {
        var mapper = BenchData.Mapper();
        var inputs = file is null
            ? new[] { "json", "text", "xml" }.Select(f => (Format: f, Bytes: BenchData.Build(f, 100_000).Bytes))
            : [(Format: BenchData.FormatOf(file), Bytes: File.ReadAllBytes(file))];
        foreach (var (format, input) in inputs)
        {
            var reader = BenchData.ReaderFor(format);
            for (var stage = 0; stage < 3; stage++)
            {
                for (var rep = 0; rep < 2; rep++)
                {
                    // Process-wide figures: the EVTX reader decodes on pool threads.
                    var gc = GcFigures.Now();
                    var sw = Stopwatch.StartNew();
                    var n = stage == 2
                        ? await ConvertBenchmarks.ConvertOnce(input, reader, mapper)
                        : await ReadOnceAsync(input, reader, stage == 1 ? mapper : null);
                    if (rep == 1)
                    {
                        var seconds = sw.Elapsed.TotalSeconds;
                        var used = GcFigures.Now() - gc;
                        Console.WriteLine($"{format,-5} {(stage == 0 ? "read" : stage == 1 ? "read+map" : "read+map+write"),-15} {n / seconds,10:N0} ev/s " +
                            $"{used.Allocated / (double)n,8:N0} B/ev  GCs {used.Gen0}/{used.Gen1}/{used.Gen2} (gen 0/1/2), paused {used.Paused.TotalMilliseconds / 1000 / seconds,4:P0}");
                    }
                }
            }
        }
        return 0;
    }

    private static async Task<int> WriteOnlyAsync()
    {
        var mapper = BenchData.Mapper();
        var (input, _) = BenchData.Build("json", 30_000);
        var docs = new List<EcsDocument>();
        await foreach (var r in new JsonEventReader().ReadAsync(new MemoryStream(input), "b", new ReaderOptions())) docs.Add(mapper.Map(r.Event!));
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1 << 20);
        using var w = new System.Text.Json.Utf8JsonWriter(buffer, Sysmon.Ingest.Output.EcsJsonWriter.WriterOptions);
        for (var rep = 0; rep < 3; rep++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var d in docs) d.SortFields();
            var sortTime = sw.Elapsed;
            sw.Restart();
            foreach (var d in docs)
            {
                Sysmon.Ingest.Output.EcsJsonWriter.Write(w, d);
                w.Flush();
                w.Reset();
                buffer.ResetWrittenCount();
            }
            Console.WriteLine($"sort {sortTime.TotalMicroseconds / docs.Count:F2} us/doc, write {sw.Elapsed.TotalMicroseconds / docs.Count:F2} us/doc");
        }
        return 0;
    }

    // EVTX decoding and convert on a ~128 MB file, one core and all cores, beside libevtx's evtxexport.
    private static async Task<int> EvtxAsync(string? corpus)
    {
        corpus ??= Path.Combine(BenchData.RepositoryRoot(), "..", "shared", "corpus", "evtx");
        var file = EvtxBenchFile.Build(corpus, Path.Combine(Path.GetTempPath(), "sysmon-bench.evtx"), 128L << 20);
        var megabytes = new FileInfo(file).Length / 1e6;
        var mapper = new EcsMapper(new EcsMapperOptions { PublicSuffixes = PublicSuffixList.TryLoad() });
        Console.WriteLine("what                         cores     records   seconds    records/s     MB/s");
        foreach (var convert in new[] { false, true })
        {
            foreach (var cores in new[] { 1, Environment.ProcessorCount })
            {
                for (var rep = 0; rep < 2; rep++)
                {
                    var clock = Stopwatch.StartNew();
                    var records = 0;
                    await using var sink = new Sysmon.Ingest.Output.NdjsonSink(Stream.Null, ownsStream: false);
                    var batch = new List<EcsDocument>(1000);
                    await using (var stream = File.OpenRead(file))
                    {
                        await foreach (var r in new EvtxEventReader(cores).ReadAsync(stream, file, new ReaderOptions()))
                        {
                            if (r.Event is null) continue;
                            records++;
                            if (!convert) continue;
                            batch.Add(mapper.Map(r.Event));
                            if (batch.Count == 1000)
                            {
                                await sink.WriteAsync(batch, default);
                                batch.Clear();
                            }
                        }
                    }
                    await sink.WriteAsync(batch, default);
                    clock.Stop();
                    if (rep == 1)
                    {
                        Console.WriteLine($"{(convert ? "convert to ECS NDJSON" : "decode only"),-28} {cores,5} {records,11:N0} {clock.Elapsed.TotalSeconds,9:F2} {records / clock.Elapsed.TotalSeconds,12:N0} {megabytes / clock.Elapsed.TotalSeconds,8:F1}");
                    }
                }
            }
        }
        Console.WriteLine($"peak working set of this process: {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");
        if (File.Exists("/usr/bin/evtxexport"))
        {
            var psi = new ProcessStartInfo("/usr/bin/evtxexport", ["-f", "xml", file]) { RedirectStandardOutput = true, UseShellExecute = false };
            var clock = Stopwatch.StartNew();
            using var p = Process.Start(psi)!;
            var records = 0L;
            while (await p.StandardOutput.ReadLineAsync() is { } line)
            {
                // `-f xml` writes one <Event ...> element per record (the text format's "Event number" lines are absent).
                if (line.StartsWith("<Event ", StringComparison.Ordinal)) records++;
            }
            await p.WaitForExitAsync();
            clock.Stop();
            Console.WriteLine($"{"evtxexport -f xml (libevtx)",-28} {1,5} {records,11:N0} {clock.Elapsed.TotalSeconds,9:F2} {records / clock.Elapsed.TotalSeconds,12:N0} {megabytes / clock.Elapsed.TotalSeconds,8:F1}");
        }
        else
        {
            Console.WriteLine("evtxexport not installed (Debian package libevtx-utils): no side-by-side figure");
        }
        return 0;
    }

    // The JSON object splitter alone: how fast objects are cut out of a file's bytes, before any parsing.
    private static int SplitOnly(string file)
    {
        var input = File.ReadAllBytes(file);
        for (var rep = 0; rep < 5; rep++)
        {
            var sw = Stopwatch.StartNew();
            var objects = 0;
            ReadOnlySpan<byte> rest = input;
            while (!rest.IsEmpty)
            {
                var outcome = Sysmon.Ingest.Json.JsonObjectSplitter.Next(rest, final: true, out _, out var length);
                if (outcome == Sysmon.Ingest.Json.JsonObjectSplitter.Outcome.Object) objects++;
                rest = rest[Math.Max(length, 1)..];
            }
            Console.WriteLine($"split {objects:N0} objects, {input.Length / sw.Elapsed.TotalSeconds / 1e6:N0} MB/s, {sw.Elapsed.TotalMicroseconds / objects:F2} us/object");
        }
        return 0;
    }

    // The reader alone on a file's events, repeated: the fastest repetition is the figure (this machine's runs vary by
    // ±15%), with the process's CPU time beside the wall time.
    private static async Task<int> ReadOnlyAsync(string file)
    {
        var input = File.ReadAllBytes(file);
        var reader = BenchData.ReaderFor(BenchData.FormatOf(file));
        var best = double.MaxValue;
        for (var rep = 0; rep < 7; rep++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var n = await ReadOnceAsync(input, reader, null);
            var us = sw.Elapsed.TotalMicroseconds / n;
            best = Math.Min(best, us);
            Console.WriteLine($"read {n:N0} events: {us:F2} us/event wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / n:F2} us/event CPU");
        }
        Console.WriteLine($"read best: {best:F2} us/event ({1e6 / best:N0} events/s)");
        return 0;
    }

    private static async Task<int> MapOnlyAsync()
    {
        var mapper = BenchData.Mapper();
        var (input, _) = BenchData.Build("json", 30);
        var events = new List<Sysmon.Ingest.Events.SysmonEvent>();
        await foreach (var r in new JsonEventReader().ReadAsync(new MemoryStream(input), "b", new ReaderOptions())) events.Add(r.Event!);
        for (var rep = 0; rep < 5; rep++)
        {
            var gc0 = GC.CollectionCount(0);
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < 100_000; i++) mapper.Map(events[i % events.Count]);
            Console.WriteLine($"map {sw.Elapsed.TotalMicroseconds / 100_000:F2} us/event, gen0 GCs {GC.CollectionCount(0) - gc0}");
        }
        return 0;
    }

    // The DuckDB sink's own managed work: writing mapped documents as load lines (no DuckDB), one core.
    private static async Task<int> LoadLinesAsync()
    {
        var mapper = BenchData.Mapper();
        var (input, _) = BenchData.Build("json", 100_000);
        var path = Path.Combine(Path.GetTempPath(), "load-lines-bench.ndjson");
        var buffers = new Sysmon.Stores.DuckDb.Loading.LoadFileBuffers();
        for (var rep = 0; rep < 4; rep++)
        {
            // Freshly mapped documents each time (as ingest sees them: not yet sorted), outside the stopwatch.
            var docs = new List<EcsDocument>();
            await foreach (var r in new JsonEventReader().ReadAsync(new MemoryStream(input), "b", new ReaderOptions()))
            {
                if (r.Event is null) continue;
                var doc = mapper.Map(r.Event);
                doc.Id = "bench-" + docs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture); // the input repeats 30 events
                doc.Set("event.id", doc.Id);
                docs.Add(doc);
            }
            using var sampler = rep == 3 ? new AllocationSampler() : null;
            var before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            using (var file = new Sysmon.Stores.DuckDb.Loading.EventLoadFile(path, buffers))
            {
                foreach (var doc in docs) file.Add(doc);
                file.Complete();
                sw.Stop();
                if (rep == 0)
                {
                    Console.WriteLine($"{file.Count:N0} lines, {new FileInfo(path).Length / file.Count:N0} bytes each; kept as {path}.first");
                    File.Copy(path, path + ".first", overwrite: true); // the file goes with the load; this copy is for comparing builds
                }
            }
            Console.WriteLine($"load lines: {docs.Count / sw.Elapsed.TotalSeconds,10:N0} docs/s {sw.Elapsed.TotalMicroseconds / docs.Count,6:F2} µs/doc " +
                              $"{(GC.GetAllocatedBytesForCurrentThread() - before) / (double)docs.Count,8:N0} B/doc");
            if (sampler is not null) foreach (var (type, share) in sampler.Top(15)) Console.WriteLine($"{share,7:P1}  {type}");
        }
        return 0;
    }

    // DuckDB's part of the sink's bulk loads alone (load ids, stored-id scan, insert, checkpoint), under the store's
    // own settings (load threads, load memory limit, allocator decay), on realistic events: the first loads' worth
    // of a JSON file (e.g. one host of a generated fleet). The load lines are written outside the stopwatch.
    private static async Task<int> DuckLoadsAsync(string file, int loads)
    {
        var mapper = BenchData.Mapper();
        var path = Path.Combine(Path.GetTempPath(), "duck-loads-bench.duckdb");
        File.Delete(path);
        // BENCH_LOAD_THREADS=2: DuckDB's loads on both cores (the store loads on half of them, beside the reader).
        var loadThreads = Environment.GetEnvironmentVariable("BENCH_LOAD_THREADS") is { Length: > 0 } t ? int.Parse(t, System.Globalization.CultureInfo.InvariantCulture) : (int?)null;
        using var store = Sysmon.Stores.DuckDb.DuckDbStore.Open(path, loadThreads: loadThreads);
        // Settings to try beside the store's own, e.g. BENCH_DUCKDB_SQL="SET disabled_compression_methods = 'fsst'".
        if (Environment.GetEnvironmentVariable("BENCH_DUCKDB_SQL") is { Length: > 0 } extra)
        {
            Sysmon.Stores.DuckDb.Schema.DuckDbSchema.Execute(store.Connection, extra);
            Console.WriteLine($"also: {extra}");
        }
        var started = 0L;
        await using var sink = new Sysmon.Stores.DuckDb.DuckDbEventSink(store, SinkMode.Bulk) { BeforeLoad = _ => started = Stopwatch.GetTimestamp() };
        Console.WriteLine($"{sink.RowsPerLoad:N0} events per load, {store.LoadThreads} loading thread(s), load memory limit {store.LoadMemoryLimit}");
        await using var input = File.OpenRead(file);
        var batch = new List<EcsDocument>(sink.RowsPerLoad);
        var done = 0;
        await foreach (var r in new JsonEventReader().ReadAsync(input, file, new ReaderOptions()))
        {
            if (r.Event is null) continue;
            batch.Add(mapper.Map(r.Event));
            if (batch.Count < sink.RowsPerLoad) continue;
            await sink.WriteAsync(batch, default);
            var stored = (await sink.FlushAsync(default)).Stored;
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            Console.WriteLine($"load {++done}: {stored:N0} stored in {seconds:F2} s ({seconds / stored * 1e6:F1} µs per event)");
            batch.Clear();
            if (done == loads) break;
        }
        if (done < loads) Console.WriteLine($"{file} holds only {done} full load(s)");
        Console.WriteLine($"peak RSS {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB (documents of one load included)");
        return 0;
    }

    private static async Task<int> DuckAsync()
    {
        var mapper = new EcsMapper(new EcsMapperOptions { HostName = "BENCH" });
        var (input, _) = BenchData.Build("json", 30);
        var events = new List<Sysmon.Ingest.Events.SysmonEvent>();
        await foreach (var r in new JsonEventReader().ReadAsync(new MemoryStream(input), "b", new ReaderOptions())) events.Add(r.Event!);
        var path = Path.Combine(Path.GetTempPath(), "duck-bench.duckdb");
        File.Delete(path);
        using var store = Sysmon.Stores.DuckDb.DuckDbStore.Open(path);
        // The sink alone as `ingest` uses it (bulk loads), 250,000 documents in batches of 5,000:
        // only the time inside the sink counts (mapping happens outside the stopwatch).
        await using var sink = new Sysmon.Stores.DuckDb.DuckDbEventSink(store, SinkMode.Bulk);
        var id = 0L;
        var inSink = TimeSpan.Zero;
        const int Batches = 50;
        for (var rep = 0; rep < Batches; rep++)
        {
            var batch = new List<EcsDocument>(5000);
            for (var i = 0; i < 5000; i++)
            {
                var e = events[i % events.Count];
                e.RecordId = ++id;
                batch.Add(mapper.Map(e));
            }
            var sw = Stopwatch.StartNew();
            await sink.WriteAsync(batch, default);
            inSink += sw.Elapsed;
        }
        var flush = Stopwatch.StartNew();
        await sink.FlushAsync(default);
        inSink += flush.Elapsed;
        Console.WriteLine($"DuckDB sink, {Batches * 5000:N0} documents: {inSink.TotalSeconds:F1} s in the sink ({Batches * 5000 / inSink.TotalSeconds:N0}/s), " +
                          $"peak RSS {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB, file {new FileInfo(path).Length / 1e6:F0} MB");
        using (var cmd = store.Connection.CreateCommand())
        {
            cmd.CommandText = "SELECT tag, memory_usage_bytes FROM duckdb_memory() WHERE memory_usage_bytes > 0 ORDER BY 2 DESC";
            using var r = cmd.ExecuteReader();
            while (r.Read()) Console.WriteLine($"  duckdb {r.GetString(0)}: {r.GetInt64(1) / 1e6:F0} MB");
        }
        Console.WriteLine($"managed heap {GC.GetTotalMemory(false) / 1e6:F0} MB");
        return 0;
    }

    private static async Task<int> QuickAsync()
    {
        var mapper = BenchData.Mapper();
        Console.WriteLine("format  events    MB     events/s     MB/s   alloc B/event");
        foreach (var format in new[] { "json", "text", "xml" })
        {
            var (input, events) = BenchData.Build(format, 200_000);
            var reader = BenchData.ReaderFor(format);
            await ConvertBenchmarks.ConvertOnce(input, reader, mapper); // warm-up (JIT, tiering)
            await ConvertBenchmarks.ConvertOnce(input, reader, mapper);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            var n = await ConvertBenchmarks.ConvertOnce(input, reader, mapper);
            sw.Stop();
            var alloc = GC.GetAllocatedBytesForCurrentThread() - before;
            Console.WriteLine($"{format,-6} {n,8:N0} {input.Length / 1e6,6:F1} {n / sw.Elapsed.TotalSeconds,12:N0} {input.Length / 1e6 / sw.Elapsed.TotalSeconds,8:F1} {alloc / (double)n,10:N0}");
        }
        return 0;
    }
}
