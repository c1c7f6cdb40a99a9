using System.Diagnostics;
using DuckDB.NET.Data;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Stores.DuckDb;
using Sysmon.Stores.DuckDb.Loading;

namespace Sysmon.Bench;

/// <summary>
/// `layouts FILE`: what DuckDB's part of a bulk load would cost with other layouts of the events table, for the
/// owners' decision on the 100,000 events/s target. One load file of the file's first 131,072 events, written by the
/// real sink, is loaded three times (each load checkpointed, one thread, 128MB, the store's row groups) into: the
/// table as it is; its typed columns without `doc`; 12 core columns with every other field in `doc`; `doc` alone.
/// Where a layout drops columns, their values are merged into `doc` beforehand (not timed), as that layout would.
/// BENCH_LOAD_THREADS=2 gives DuckDB both cores: with nothing else to do, that is the most any layout can store.
/// </summary>
internal static class LayoutBench
{
    private static readonly string[] Core =
    [
        "\"id\"", "\"@timestamp\"", "\"event.code\"", "\"host.name\"", "\"user.name\"", "\"process.entity_id\"", "\"process.executable\"",
        "\"process.hash.sha256\"", "\"process.parent.entity_id\"", "\"destination.ip\"", "\"destination.ip_num\"", "\"dns.question.name\"",
    ];

    public static async Task<int> RunAsync(string file)
    {
        var dir = Directory.CreateTempSubdirectory("layouts-bench").FullName;
        var load = Path.Combine(dir, "load.ndjson");
        string ddl, insert;
        using (var store = DuckDbStore.Open(Path.Combine(dir, "schema.duckdb")))
        {
            await using (var sink = new DuckDbEventSink(store, SinkMode.Bulk) { BeforeLoad = p => File.Copy(p, load) })
            {
                var mapper = BenchData.Mapper();
                var batch = new List<EcsDocument>(sink.RowsPerLoad);
                await using var input = File.OpenRead(file);
                await foreach (var r in new JsonEventReader().ReadAsync(input, file, new ReaderOptions()))
                {
                    if (r.Event is null) continue;
                    batch.Add(mapper.Map(r.Event));
                    if (batch.Count == sink.RowsPerLoad) break;
                }
                await sink.WriteAsync(batch, default);
                await sink.FlushAsync(default);
            }
            using var cmd = store.Connection.CreateCommand();
            cmd.CommandText = "SELECT sql FROM duckdb_tables() WHERE table_name = 'events'";
            ddl = (string)cmd.ExecuteScalar()!;
            insert = EventLoadStatement.Insert(load, ignoreErrors: false);
        }
        var open = insert.IndexOf('(');
        var columns = insert[(open + 1)..insert.IndexOf(") SELECT ", StringComparison.Ordinal)].Split(", ");
        var selectAt = insert.IndexOf(") SELECT ", StringComparison.Ordinal) + ") SELECT ".Length;
        var fromAt = insert.IndexOf(" FROM read_json", StringComparison.Ordinal);
        var sources = insert[selectAt..fromAt].Split(", ");
        var from = insert[fromAt..insert.IndexOf(" WHERE ", StringComparison.Ordinal)];
        var rows = File.ReadLines(load).Count();
        (string Name, Func<string, bool> Keep)[] layouts =
        [
            ("as stored: 47 columns + doc", _ => true),
            ("47 columns, no doc", c => c != "\"doc\""),
            ("12 core columns + doc", c => Core.Contains(c) || c == "\"doc\""),
            ("id, @timestamp + doc", c => c is "\"id\"" or "\"@timestamp\"" or "\"doc\""),
        ];
        // Two threads need more than the store's 128MB (BENCH_LAYOUT_MEMORY=1GB).
        var layoutMemory = Environment.GetEnvironmentVariable("BENCH_LAYOUT_MEMORY") ?? "128MB";
        Console.WriteLine($"{rows:N0} events per load, 3 loads each, {Threads} DuckDB thread(s), {layoutMemory} (BENCH_LAYOUT_MEMORY)");
        foreach (var (name, keep) in layouts)
        {
            using var store = new BenchStore(Path.Combine(dir, "layout.duckdb"), ddl);
            var kept = Enumerable.Range(0, columns.Length).Where(i => keep(columns[i])).ToArray();
            var dropped = Enumerable.Range(0, columns.Length).Where(i => !keep(columns[i])).ToArray();
            foreach (var i in dropped) store.Execute($"ALTER TABLE events DROP COLUMN {columns[i]}");
            var source = from;
            var doc = Array.IndexOf(columns, "\"doc\"");
            if (keep(columns[doc]) && dropped.Length > 0)
            {
                // The dropped columns' values go into doc (json_merge_patch leaves out the nulls).
                var patch = "json_object(" + string.Join(", ", dropped.Select(i => $"'{columns[i].Trim('"')}', {sources[i]}")) + ")";
                var others = string.Join(", ", kept.Where(i => i != doc).Select(i => $"{sources[i]} AS {sources[i][2..]}"));
                var merged = Path.Combine(dir, "merged.ndjson");
                store.Execute("SET memory_limit = '4GB'");
                store.Execute($"COPY (SELECT {others}, json_merge_patch({sources[doc]}, {patch}) AS {sources[doc][2..]}{from}) TO '{merged}' (FORMAT json)");
                source = from.Replace(load, merged, StringComparison.Ordinal);
            }
            store.Execute($"SET memory_limit = '{layoutMemory}'");
            var (clock, used) = store.LoadThrice($"INSERT INTO events ({string.Join(", ", kept.Select(i => columns[i]))}) SELECT {string.Join(", ", kept.Select(i => sources[i]))}{source}");
            Console.WriteLine($"{name,-30} {clock.TotalSeconds,6:F2} s ({3.0 * rows / clock.TotalSeconds,7:N0} events/s), {used.TotalMicroseconds / (3.0 * rows),5:F1} µs of CPU per event, " +
                              $"file {new FileInfo(store.Path).Length / 1e6,4:F0} MB");
        }

        // The table as stored, loaded from other load-file formats (converted by DuckDB beforehand, not timed; the
        // JSON row is the sink's own format rewritten, so that all three run under the same memory limit).
        var memory = Environment.GetEnvironmentVariable("BENCH_FORMAT_MEMORY") ?? "128MB";
        Console.WriteLine($"load-file formats, the table as stored, memory limit {memory} (BENCH_FORMAT_MEMORY)");
        var types = from[(from.IndexOf("columns = {", StringComparison.Ordinal) + "columns = {".Length)..from.LastIndexOf('}')];
        types = types[(types.IndexOf(", ", StringComparison.Ordinal) + 2)..]; // no "n" column
        (string Name, string Copy, string Read)[] formats =
        [
            ("json", "(FORMAT json)", "read_json('{0}', format = 'newline_delimited', columns = {{{1}}})"),
            ("csv, tab, quote \\x01", "(FORMAT csv, DELIMITER '\t', QUOTE '\x01', ESCAPE '\x01', HEADER false)",
             "read_csv('{0}', delim = '\t', quote = '\x01', escape = '\x01', header = false, columns = {{{1}}})"),
            ("parquet", "(FORMAT parquet)", "read_parquet('{0}')"),
        ];
        foreach (var (name, copy, read) in formats)
        {
            using var store = new BenchStore(Path.Combine(dir, "format.duckdb"), ddl);
            var converted = Path.Combine(dir, "converted." + name[..3]);
            store.Execute("SET memory_limit = '4GB'");
            store.Execute($"COPY (SELECT {string.Join(", ", sources.Select(c => c + " AS " + c[2..]))}{from}) TO '{converted}' {copy}");
            store.Execute($"SET memory_limit = '{memory}'");
            var source = " FROM " + string.Format(System.Globalization.CultureInfo.InvariantCulture, read, converted, types) + " l";
            TimeSpan clock, used;
            try
            {
                (clock, used) = store.LoadThrice($"INSERT INTO events ({string.Join(", ", columns)}) SELECT {string.Join(", ", sources)}{source}");
            }
            catch (DuckDBException e) when (e.Message.StartsWith("Out of Memory", StringComparison.Ordinal))
            {
                // CSV's reader needs more than the store's 128MB: say so and go on with the other formats.
                Console.WriteLine($"from {name,-25} out of memory under {memory}");
                continue;
            }
            Console.WriteLine($"from {name,-25} {clock.TotalSeconds,6:F2} s, {used.TotalMicroseconds / (3.0 * rows),5:F1} µs of CPU per event, " +
                              $"load file {new FileInfo(converted).Length / 1e6,4:F0} MB, store {new FileInfo(store.Path).Length / 1e6,4:F0} MB");
        }
        Directory.Delete(dir, recursive: true);
        return 0;
    }

    private static readonly int Threads = Environment.GetEnvironmentVariable("BENCH_LOAD_THREADS") is { Length: > 0 } t
        ? int.Parse(t, System.Globalization.CultureInfo.InvariantCulture) : 1;

    // A fresh store file with the events table, as the store opens it for loads (one thread unless
    // BENCH_LOAD_THREADS says more, row groups).
    private sealed class BenchStore : IDisposable
    {
        private readonly DuckDBConnection _connection = new("Data Source=:memory:");

        public BenchStore(string path, string ddl)
        {
            Path = path;
            File.Delete(path);
            _connection.Open();
            Execute($"SET threads = {Threads}");
            Execute("SET preserve_insertion_order = false");
            Execute($"ATTACH '{path}' AS store (ROW_GROUP_SIZE {DuckDbStore.RowGroupSize})");
            Execute("USE store");
            Execute(ddl);
        }

        public string Path { get; }

        public void Execute(string sql)
        {
            using var c = _connection.CreateCommand();
            c.CommandText = sql;
            c.ExecuteNonQuery();
        }

        // The load three times, each checkpointed: wall clock and the process's CPU.
        public (TimeSpan Clock, TimeSpan Cpu) LoadThrice(string insert)
        {
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (var l = 0; l < 3; l++)
            {
                Execute(insert);
                Execute("CHECKPOINT");
            }
            process.Refresh();
            return (clock.Elapsed, process.TotalProcessorTime - cpu);
        }

        public void Dispose() => _connection.Dispose();
    }
}
