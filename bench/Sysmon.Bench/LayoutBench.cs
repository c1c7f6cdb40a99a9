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
        Console.WriteLine($"{rows:N0} events per load, 3 loads each, one DuckDB thread, 128MB");
        foreach (var (name, keep) in layouts)
        {
            var path = Path.Combine(dir, "layout.duckdb");
            File.Delete(path);
            using var connection = new DuckDBConnection("Data Source=:memory:");
            connection.Open();
            void Execute(string sql)
            {
                using var c = connection.CreateCommand();
                c.CommandText = sql;
                c.ExecuteNonQuery();
            }
            Execute("SET threads = 1");
            Execute("SET preserve_insertion_order = false");
            Execute($"ATTACH '{path}' AS store (ROW_GROUP_SIZE {DuckDbStore.RowGroupSize})");
            Execute("USE store");
            Execute(ddl);
            var kept = Enumerable.Range(0, columns.Length).Where(i => keep(columns[i])).ToArray();
            var dropped = Enumerable.Range(0, columns.Length).Where(i => !keep(columns[i])).ToArray();
            foreach (var i in dropped) Execute($"ALTER TABLE events DROP COLUMN {columns[i]}");
            var source = from;
            var doc = Array.IndexOf(columns, "\"doc\"");
            if (keep(columns[doc]) && dropped.Length > 0)
            {
                // The dropped columns' values go into doc (json_merge_patch leaves out the nulls).
                var patch = "json_object(" + string.Join(", ", dropped.Select(i => $"'{columns[i].Trim('"')}', {sources[i]}")) + ")";
                var others = string.Join(", ", kept.Where(i => i != doc).Select(i => $"{sources[i]} AS {sources[i][2..]}"));
                var merged = Path.Combine(dir, "merged.ndjson");
                Execute("SET memory_limit = '4GB'");
                Execute($"COPY (SELECT {others}, json_merge_patch({sources[doc]}, {patch}) AS {sources[doc][2..]}{from}) TO '{merged}' (FORMAT json)");
                source = from.Replace(load, merged, StringComparison.Ordinal);
            }
            Execute("SET memory_limit = '128MB'");
            var sql = $"INSERT INTO events ({string.Join(", ", kept.Select(i => columns[i]))}) SELECT {string.Join(", ", kept.Select(i => sources[i]))}{source}";
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (var l = 0; l < 3; l++)
            {
                Execute(sql);
                Execute("CHECKPOINT");
            }
            process.Refresh();
            var used = process.TotalProcessorTime - cpu;
            Console.WriteLine($"{name,-30} {clock.Elapsed.TotalSeconds,6:F2} s, {used.TotalMicroseconds / (3.0 * rows),5:F1} µs of CPU per event, " +
                              $"file {new FileInfo(path).Length / 1e6,4:F0} MB");
        }
        // The same rows from other load-file formats (converted by DuckDB beforehand, not timed).
        (string Name, string Copy, string Read)[] formats =
        [
            ("csv, tab, quote \\x01", "(FORMAT csv, DELIMITER '\t', QUOTE '\x01', ESCAPE '\x01', HEADER false)",
             "read_csv('{0}', delim = '\t', quote = '\x01', escape = '\x01', header = false, columns = {{{1}}})"),
            ("parquet", "(FORMAT parquet)", "read_parquet('{0}')"),
        ];
        foreach (var (name, copy, read) in formats)
        {
            var path = Path.Combine(dir, "format.duckdb");
            File.Delete(path);
            using var connection = new DuckDBConnection("Data Source=:memory:");
            connection.Open();
            void Execute(string sql)
            {
                using var c = connection.CreateCommand();
                c.CommandText = sql;
                c.ExecuteNonQuery();
            }
            Execute("SET threads = 1");
            Execute("SET preserve_insertion_order = false");
            Execute($"ATTACH '{path}' AS store (ROW_GROUP_SIZE {DuckDbStore.RowGroupSize})");
            Execute("USE store");
            Execute(ddl);
            var converted = Path.Combine(dir, "converted." + name[..3]);
            Execute("SET memory_limit = '4GB'");
            Execute($"COPY (SELECT {string.Join(", ", sources.Select(s => s + " AS " + s[2..]))}{from}) TO '{converted}' {copy}");
            var types = from[(from.IndexOf("columns = {", StringComparison.Ordinal) + "columns = {".Length)..from.LastIndexOf('}')];
            types = types[(types.IndexOf(", ", StringComparison.Ordinal) + 2)..]; // no "n" column
            var source = " FROM " + string.Format(System.Globalization.CultureInfo.InvariantCulture, read, converted, types) + " l";
            Execute($"SET memory_limit = '{Environment.GetEnvironmentVariable("BENCH_FORMAT_MEMORY") ?? "128MB"}'");
            var sql = $"INSERT INTO events ({string.Join(", ", columns)}) SELECT {string.Join(", ", sources)}{source}";
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (var l = 0; l < 3; l++)
            {
                Execute(sql);
                Execute("CHECKPOINT");
            }
            process.Refresh();
            var used = process.TotalProcessorTime - cpu;
            Console.WriteLine($"from {name,-25} {clock.Elapsed.TotalSeconds,6:F2} s, {used.TotalMicroseconds / (3.0 * rows),5:F1} µs of CPU per event, " +
                              $"load file {new FileInfo(converted).Length / 1e6,4:F0} MB, store {new FileInfo(path).Length / 1e6,4:F0} MB");
        }
        Console.WriteLine($"(the JSON load file: {new FileInfo(load).Length / 1e6:F0} MB)");
        Directory.Delete(dir, recursive: true);
        return 0;
    }
}
