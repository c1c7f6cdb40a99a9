using System.Globalization;
using FluentAssertions;
using Sysmon.Queries.Esql;
using Sysmon.Queries.Hunts;
using Xunit;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>Shipped hunts on a fixture fleet written for the test: expected rows computed by hand.</summary>
public sealed class DuckDbHuntEngineTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sysmon-hunt-tests", Guid.NewGuid().ToString("N"));
    private readonly DuckDbStore _store;

    private static string Process(int record, string host, string time, string image, string sha256) =>
        "{\"winlog\":{\"event_id\":\"1\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"computer_name\":\"" + host + "\",\"record_id\":" +
        record.ToString(CultureInfo.InvariantCulture) + ",\"event_data\":{\"UtcTime\":\"" + time + "\",\"Image\":\"" + image.Replace("\\", "\\\\", StringComparison.Ordinal) +
        "\",\"Hashes\":\"SHA256=" + sha256 + "\"}}}\n";

    private static readonly string Word = new('a', 64), Dropper = new('d', 64), Tool = new('c', 64);

    public DuckDbHuntEngineTests()
    {
        Directory.CreateDirectory(_dir);
        _store = DuckDbStore.Open(Path.Combine(_dir, "s.duckdb"));
        var lines = Process(1, "H1", "2026-01-05 09:00:00.000", "C:\\Office\\winword.exe", Word) +
                    Process(2, "H2", "2026-01-05 09:05:00.000", "C:\\Office\\winword.exe", Word) +
                    Process(3, "H3", "2026-01-05 09:10:00.000", "C:\\Office\\winword.exe", Word) +
                    Process(4, "H2", "2026-01-05 10:00:00.000", "C:\\Users\\Public\\upd.exe", Dropper) +
                    Process(5, "H1", "2026-01-05 11:00:00.000", "C:\\Users\\Public\\upd.exe", Dropper) +
                    Process(6, "H2", "2026-01-05 12:00:00.000", "C:\\Users\\Public\\upd.exe", Dropper) +
                    Process(7, "H3", "2026-01-05 13:00:00.000", "C:\\Tools\\tool.exe", Tool);
        var file = Path.Combine(_dir, "fleet.ndjson");
        File.WriteAllText(file, lines);
        var sink = new DuckDbEventSink(_store);
        var mapper = Sysmon.Ingest.Tests.Fixtures.Convert.Mapper();
        var docs = new Sysmon.Ingest.Json.JsonEventReader().ReadAsync(File.OpenRead(file), file, new Sysmon.Ingest.Reading.ReaderOptions())
            .ToBlockingEnumerable().Select(r => mapper.Map(r.Event!)).ToList();
        sink.WriteAsync(docs, default).AsTask().GetAwaiter().GetResult();
    }

    public void Dispose() => _store.Dispose();

    private List<string> Run(string hunt, params (string, string)[] parameters)
    {
        var h = HuntCatalog.Load().Single(x => x.Name == hunt);
        var values = h.Bind(parameters.ToDictionary(p => p.Item1, p => p.Item2));
        var result = new DuckDbHuntEngine(_store).RunAsync(h.Query, values, default).GetAwaiter().GetResult();
        return result.Rows.Select(r => string.Join("|", r.Select(v => v switch
        {
            null => "null",
            DateTime t => t.ToString("HH:mm", CultureInfo.InvariantCulture),
            System.Collections.IEnumerable l and not string => string.Join(",", l.Cast<object>()),
            _ => Convert.ToString(v, CultureInfo.InvariantCulture),
        }))).ToList();
    }

    [Fact]
    public void Hash_stats_counts_executions_and_hosts_most_frequent_first()
    {
        Run("hash-stats").Should().Equal(
            $"3|3|09:00|09:10|C:\\Office\\winword.exe|{Word}",
            $"3|2|10:00|12:00|C:\\Users\\Public\\upd.exe|{Dropper}",
            $"1|1|13:00|13:00|C:\\Tools\\tool.exe|{Tool}");
    }

    [Fact]
    public void Rare_executables_keeps_hashes_seen_on_few_hosts()
    {
        Run("rare-executables", ("max_hosts", "2")).Should().Equal($"1|1|13:00|C:\\Tools\\tool.exe|{Tool}", $"2|3|10:00|C:\\Users\\Public\\upd.exe|{Dropper}");
        Run("rare-executables", ("max_hosts", "1")).Should().Equal($"1|1|13:00|C:\\Tools\\tool.exe|{Tool}");
    }

    [Fact]
    public void Hash_spread_gives_the_first_time_on_each_host_in_order()
    {
        Run("hash-spread", ("sha256", Dropper.ToUpperInvariant())).Should().Equal("10:00|2|H2", "11:00|1|H1");
    }

    [Fact]
    public void Unknown_or_missing_parameters_are_clear_errors()
    {
        var act = () => Run("hash-spread");
        act.Should().Throw<ArgumentException>().WithMessage("*needs --param sha256*");
        var unknown = () => Run("hash-stats", ("colour", "red"));
        unknown.Should().Throw<ArgumentException>().WithMessage("*has no parameter 'colour'*");
        var bad = () => new DuckDbHuntEngine(_store).RunAsync("FROM nowhere | LIMIT 1", new Dictionary<string, object?>(), default).GetAwaiter().GetResult();
        bad.Should().Throw<EsqlException>().WithMessage("*no such index*");
    }
}
