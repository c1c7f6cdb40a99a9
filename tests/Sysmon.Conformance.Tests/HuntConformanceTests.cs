using System.Globalization;
using FluentAssertions;
using Sysmon.Enrich.Formats;
using Sysmon.Ingest.Ecs;
using Sysmon.Queries;
using Sysmon.Queries.Hunts;
using Sysmon.Stores.DuckDb;
using Xunit;

namespace Sysmon.Conformance.Tests;

/// <summary>
/// One scenario, one set of expected rows (computed by hand), run against every store that is available:
/// DuckDB always; Elasticsearch when SYSMON_TEST_ES_URL is set or a Docker engine is reachable and this build
/// has an Elasticsearch hunt engine.
/// </summary>
public sealed class HuntConformanceTests
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
        Event(7, "H1", "12:30", Img(@"C:\Windows\System32\rundll32.exe") + ",\"ImageLoaded\":\"C:\\\\Temp\\\\evil.dll\",\"Hashes\":\"SHA256=" + E + "\"");

    private const string Feed = "203.0.113.66\n10.0.0.0/8\n" + D + "\n" + E + "\nc2.bad.example\n";

    public static TheoryData<string, string> Cases => new()
    {
        { "hash-stats", $"2|2|09:00|09:05|C:\\Office\\winword.exe|{W}\n2|2|10:00|11:00|C:\\Users\\Public\\upd.exe|{D}" },
        { "rare-executables", $"2|2|09:00|C:\\Office\\winword.exe|{W}\n2|2|10:00|C:\\Users\\Public\\upd.exe|{D}" },
        { "hash-spread", "10:00|1|H2\n11:00|1|H1" },
        { "connections-by-process", "1|1|1|C:\\Chrome\\chrome.exe|80\n1|1|1|C:\\Chrome\\chrome.exe|443\n1|1|1|C:\\Users\\Public\\upd.exe|443" },
        { "remote-threads", "1|10:02|H2|C:\\Users\\Public\\upd.exe|C:\\Windows\\explorer.exe" },
        { "raw-disk-access", "1|12:00|H1|C:\\Tools\\ninja.exe|\\Device\\HarddiskVolume2" },
        { "blacklisted-connections", "10:01|H2|C:\\Users\\Public\\upd.exe|null|203.0.113.66|443|scenario|203.0.113.66" },
        { "blacklisted-executions", $"10:00|H2|1|C:\\Users\\Public\\upd.exe|null|{D}|scenario\n11:00|H1|1|C:\\Users\\Public\\upd.exe|null|{D}|scenario\n12:30|H1|7|C:\\Windows\\System32\\rundll32.exe|C:\\Temp\\evil.dll|{E}|scenario" },
        { "blacklisted-dns", "1|10:03|H2|C:\\Users\\Public\\upd.exe|c2.bad.example|scenario" },
    };

    private static async Task<(IHuntEngine Engine, IDisposable Owner)> DuckDbAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sysmon-conformance", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var store = DuckDbStore.Open(Path.Combine(dir, "s.duckdb"));
        await new DuckDbIndicatorStore(store).ReplaceFeedAsync("scenario", PlainListParser.Parse(Feed, "scenario").Indicators, DateTimeOffset.UtcNow, default);
        var mapper = Sysmon.Ingest.Tests.Fixtures.Convert.Mapper();
        var docs = new List<EcsDocument>();
        await foreach (var r in new Sysmon.Ingest.Json.JsonEventReader().ReadAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Scenario)), "scenario", new Sysmon.Ingest.Reading.ReaderOptions()))
        {
            docs.Add(mapper.Map(r.Event!));
        }
        await new DuckDbEventSink(store).WriteAsync(docs, default);
        return (new DuckDbHuntEngine(store), store);
    }

    private static string Render(HuntResult result) => string.Join("\n", result.Rows.Select(r => string.Join("|", r.Select(v => v switch
    {
        null => "null",
        DateTime t => t.ToString("HH:mm", CultureInfo.InvariantCulture),
        System.Collections.IEnumerable l and not string => string.Join(",", l.Cast<object>()),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture),
    }))));

    private static async Task<string> RunAsync(IHuntEngine engine, string name)
    {
        var hunt = HuntCatalog.Load().Single(h => h.Name == name);
        var parameters = hunt.Bind(name == "hash-spread" ? new Dictionary<string, string> { ["sha256"] = D } : new Dictionary<string, string>());
        return Render(await engine.RunAsync(hunt.Query, parameters, TestContext.Current.CancellationToken));
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
    public void Elasticsearch_returns_the_same_rows(string hunt, string expected)
    {
        _ = (hunt, expected);
        var url = Environment.GetEnvironmentVariable("SYSMON_TEST_ES_URL");
        Assert.Skip(url is null
            ? "no Elasticsearch: SYSMON_TEST_ES_URL is not set and no Docker engine runs here; the Elasticsearch hunt engine also lands with the Elasticsearch store"
            : "this build has no Elasticsearch hunt engine yet (it lands with the Elasticsearch store)");
    }

    [Fact]
    public void Every_shipped_hunt_has_a_conformance_case()
    {
        HuntCatalog.Load().Select(h => h.Name).Should().BeEquivalentTo(Cases.Select(c => (string)c.Data.Item1));
    }
}
