using System.Globalization;
using FluentAssertions;
using Sysmon.Enrich;
using Sysmon.Enrich.Formats;
using Sysmon.Ingest.Ecs;
using Sysmon.Queries;
using Sysmon.Queries.Hunts;
using Sysmon.Stores.DuckDb;
using Sysmon.Stores.Elasticsearch;
using Sysmon.Stores.Elasticsearch.Connection;
using Sysmon.Stores.Elasticsearch.Hunts;
using Sysmon.Stores.Elasticsearch.Indicators;
using Sysmon.Stores.Elasticsearch.Tests;
using Xunit;

namespace Sysmon.Conformance.Tests;

/// <summary>
/// One scenario, one set of expected rows (computed by hand), run against every store that is available:
/// DuckDB always; Elasticsearch when SYSMON_TEST_ES_URL is set or a Docker engine is reachable (skipped with the
/// reason otherwise). On Elasticsearch the hunt text is sent unchanged except for the data stream it reads, so the
/// scenario does not mix with other data on a shared test cluster.
/// </summary>
public sealed class HuntConformanceTests(ElasticsearchFixture elasticsearch)
{
    private const string W = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string D = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";
    private const string E = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

    private static int _record;

    private static string Event(int id, string host, string time, string data) =>
        "{\"winlog\":{\"event_id\":\"" + id.ToString(CultureInfo.InvariantCulture) + "\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"computer_name\":\"" + host +
        "\",\"record_id\":" + Interlocked.Increment(ref _record).ToString(CultureInfo.InvariantCulture) + ",\"event_data\":{\"UtcTime\":\"2026-01-05 " + time + ":00.000\"," + data + "}}}\n";

    private static string Img(string path) => "\"Image\":\"" + path.Replace("\\", "\\\\", StringComparison.Ordinal) + "\"";

    private static readonly string Scenario =
        Event(1, "H1", "09:00", Img(@"C:\Office\winword.exe") + ",\"Hashes\":\"SHA256=" + W + "\"") +
        Event(1, "H2", "09:05", Img(@"C:\Office\winword.exe") + ",\"Hashes\":\"SHA256=" + W + "\"") +
        Event(1, "H2", "10:00", Img(@"C:\Users\Public\upd.exe") + ",\"Hashes\":\"SHA256=" + D.ToUpperInvariant() + "\"") +
        Event(1, "H1", "11:00", Img(@"C:\Users\Public\upd.exe") + ",\"Hashes\":\"SHA256=" + D + "\"") +
        Event(3, "H2", "10:01", Img(@"C:\Users\Public\upd.exe") + ",\"Protocol\":\"tcp\",\"DestinationIp\":\"203.0.113.66\",\"DestinationPort\":\"443\"") +
        Event(3, "H1", "11:01", Img(@"C:\Chrome\chrome.exe") + ",\"Protocol\":\"tcp\",\"DestinationIp\":\"192.0.2.10\",\"DestinationPort\":\"80\"") +
        Event(3, "H1", "11:02", Img(@"C:\Chrome\chrome.exe") + ",\"Protocol\":\"tcp\",\"DestinationIp\":\"10.1.1.1\",\"DestinationPort\":\"443\"") +
        Event(8, "H2", "10:02", "\"SourceImage\":\"C:\\\\Users\\\\Public\\\\upd.exe\",\"TargetImage\":\"C:\\\\Windows\\\\explorer.exe\"") +
        Event(9, "H1", "12:00", Img(@"C:\Tools\ninja.exe") + ",\"Device\":\"\\\\Device\\\\HarddiskVolume2\"") +
        Event(22, "H2", "10:03", Img(@"C:\Users\Public\upd.exe") + ",\"QueryName\":\"c2.bad.example\",\"QueryStatus\":\"0\"") +
        Event(7, "H1", "12:30", Img(@"C:\Windows\System32\rundll32.exe") + ",\"ImageLoaded\":\"C:\\\\Temp\\\\evil.dll\",\"Hashes\":\"SHA256=" + E + "\"") +
        Access("H2", "10:04", @"C:\Users\Public\upd.exe", @"C:\Windows\System32\lsass.exe", "0x1010") +
        Access("H1", "10:05", Defender, @"C:\Windows\system32\LSASS.EXE", "0x1000") +
        Access("H2", "10:06", Defender, @"C:\Windows\System32\lsass.exe", "0x1000") +
        Access("H1", "10:07", @"C:\Users\Public\upd.exe", @"C:\Windows\explorer.exe", "0x1fffff");

    private const string Defender = @"C:\ProgramData\Microsoft\Windows Defender\MsMpEng.exe";

    private static string Access(string host, string time, string source, string target, string access) =>
        Event(10, host, time, "\"SourceImage\":\"" + source.Replace("\\", "\\\\", StringComparison.Ordinal) + "\",\"TargetImage\":\"" +
                              target.Replace("\\", "\\\\", StringComparison.Ordinal) + "\",\"GrantedAccess\":\"" + access + "\"");

    private const string Feed = "203.0.113.66\n10.0.0.0/8\n" + D + "\n" + E + "\nc2.bad.example\n";

    public static TheoryData<string, string> Cases => new()
    {
        { "hash-stats", $"2|2|09:00|09:05|C:\\Office\\winword.exe|{W}\n2|2|10:00|11:00|C:\\Users\\Public\\upd.exe|{D}" },
        { "rare-executables", $"2|2|09:00|C:\\Office\\winword.exe|{W}\n2|2|10:00|C:\\Users\\Public\\upd.exe|{D}" },
        { "hash-spread", "10:00|1|H2\n11:00|1|H1" },
        { "connections-by-process", "1|1|1|C:\\Chrome\\chrome.exe|80\n1|1|1|C:\\Chrome\\chrome.exe|443\n1|1|1|C:\\Users\\Public\\upd.exe|443" },
        { "remote-threads", "1|10:02|H2|C:\\Users\\Public\\upd.exe|C:\\Windows\\explorer.exe" },
        { "raw-disk-access", "1|12:00|H1|C:\\Tools\\ninja.exe|\\Device\\HarddiskVolume2" },
        { "lsass-access", $"1|1|10:04|10:04|C:\\Users\\Public\\upd.exe|0x1010\n2|2|10:05|10:06|{Defender}|0x1000" },
        { "blacklisted-connections", "10:01|H2|C:\\Users\\Public\\upd.exe|null|203.0.113.66|443|scenario|203.0.113.66" },
        { "blacklisted-executions", $"10:00|H2|1|C:\\Users\\Public\\upd.exe|null|{D}|scenario\n11:00|H1|1|C:\\Users\\Public\\upd.exe|null|{D}|scenario\n12:30|H1|7|C:\\Windows\\System32\\rundll32.exe|C:\\Temp\\evil.dll|{E}|scenario" },
        { "blacklisted-dns", "1|10:03|H2|C:\\Users\\Public\\upd.exe|c2.bad.example|scenario" },
    };

    // The scenario's events mapped once, as both stores receive them.
    private static async Task<List<EcsDocument>> ScenarioDocumentsAsync()
    {
        var mapper = Sysmon.Ingest.Tests.Fixtures.Convert.Mapper();
        var docs = new List<EcsDocument>();
        await foreach (var r in new Sysmon.Ingest.Json.JsonEventReader().ReadAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Scenario)), "scenario", new Sysmon.Ingest.Reading.ReaderOptions()))
        {
            docs.Add(mapper.Map(r.Event!));
        }
        return docs;
    }

    private static Task<string>? _elasticsearchStream;

    // Loaded once per run: the scenario's events into a data stream of their own, its feed into the indicators.
    private static Task<string> ElasticsearchScenarioAsync(ElasticsearchConnection es) => _elasticsearchStream ??= Task.Run(async () =>
    {
        var stream = "logs-sysmon-conformance" + Guid.NewGuid().ToString("N")[..8];
        await new ElasticsearchIndicatorStore(es).ReplaceFeedAsync("scenario", PlainListParser.Parse(Feed, "scenario").Indicators, DateTimeOffset.UtcNow, default);
        var docs = await ScenarioDocumentsAsync();
        var result = await new ElasticsearchEventSink(es, dataStream: stream).WriteAsync(docs, default);
        if (result.Stored != docs.Count) throw new InvalidOperationException($"stored {result.Stored} of the scenario's events: {result.Rejected?[0].Reason}");
        await es.SendOkAsync(Elastic.Transport.HttpMethod.POST, stream + "/_refresh", null, default);
        return stream;
    });

    private static async Task<(IHuntEngine Engine, IDisposable Owner)> DuckDbAsync()
    {
        var dir = new Sysmon.Ingest.Tests.Fixtures.TempDirectory("sysmon-conformance");
        var store = dir.Own(DuckDbStore.Open(dir.File("s.duckdb")));
        await new DuckDbIndicatorStore(store).ReplaceFeedAsync("scenario", PlainListParser.Parse(Feed, "scenario").Indicators, DateTimeOffset.UtcNow, default);
        await new DuckDbEventSink(store).WriteAsync(await ScenarioDocumentsAsync(), default);
        return (new DuckDbHuntEngine(store), dir);
    }

    private static string Render(HuntResult result) => string.Join("\n", result.Rows.Select(r => string.Join("|", r.Select(v => v switch
    {
        null => "null",
        DateTime t => t.ToString("HH:mm", CultureInfo.InvariantCulture),
        System.Collections.IEnumerable l and not string => string.Join(",", l.Cast<object>()),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture),
    }))));

    private static async Task<string> RunAsync(IHuntEngine engine, string name, string? stream = null)
    {
        var hunt = HuntCatalog.Load().Single(h => h.Name == name);
        var parameters = hunt.Bind(name == "hash-spread" ? new Dictionary<string, string> { ["sha256"] = D } : new Dictionary<string, string>());
        var query = stream is null ? hunt.Query : hunt.Query.Replace("FROM logs-sysmon-*", "FROM " + stream, StringComparison.Ordinal);
        return Render(await engine.RunAsync(query, parameters, TestContext.Current.CancellationToken));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task DuckDb_returns_the_expected_rows(string hunt, string expected)
    {
        var (engine, owner) = await DuckDbAsync();
        using (owner) (await RunAsync(engine, hunt)).Should().Be(expected);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Elasticsearch_returns_the_same_rows(string hunt, string expected)
    {
        var es = elasticsearch.Connection;
        var stream = await ElasticsearchScenarioAsync(es);
        (await RunAsync(new ElasticsearchHuntEngine(es), hunt, stream)).Should().Be(expected);
    }

    [Fact]
    public void Every_hunt_reads_the_events_pattern_the_elasticsearch_run_rewrites()
    {
        HuntCatalog.Load().Should().OnlyContain(h => h.Query.Contains("FROM logs-sysmon-*", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_shipped_hunt_has_a_conformance_case()
    {
        HuntCatalog.Load().Select(h => h.Name).Should().BeEquivalentTo(Cases.Select(c => (string)c.Data.Item1));
    }
}
