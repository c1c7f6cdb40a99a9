using System.Globalization;
using FluentAssertions;
using Sysmon.Enrich;
using Sysmon.Queries.Esql;
using Sysmon.Queries.Hunts;
using Xunit;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>Shipped hunts on a fixture fleet written for the test: expected rows computed by hand.</summary>
public sealed class DuckDbHuntEngineTests : IDisposable
{
    private readonly Sysmon.Ingest.Tests.Fixtures.TempDirectory _temp = new("sysmon-hunt-tests");
    private readonly DuckDbStore _store;

    private static string Process(int record, string host, string time, string image, string sha256) =>
        "{\"winlog\":{\"event_id\":\"1\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"computer_name\":\"" + host + "\",\"record_id\":" +
        record.ToString(CultureInfo.InvariantCulture) + ",\"event_data\":{\"UtcTime\":\"" + time + "\",\"Image\":\"" + image.Replace("\\", "\\\\", StringComparison.Ordinal) +
        "\",\"Hashes\":\"SHA256=" + sha256 + "\"}}}\n";

    private static readonly string Word = new('a', 64), Dropper = new('d', 64), Tool = new('c', 64);

    public DuckDbHuntEngineTests()
    {
        _store = _temp.Own(DuckDbStore.Open(_temp.File("s.duckdb")));
        var lines = Process(1, "H1", "2026-01-05 09:00:00.000", "C:\\Office\\winword.exe", Word) +
                    Process(2, "H2", "2026-01-05 09:05:00.000", "C:\\Office\\winword.exe", Word) +
                    Process(3, "H3", "2026-01-05 09:10:00.000", "C:\\Office\\winword.exe", Word) +
                    Process(4, "H2", "2026-01-05 10:00:00.000", "C:\\Users\\Public\\upd.exe", Dropper) +
                    Process(5, "H1", "2026-01-05 11:00:00.000", "C:\\Users\\Public\\upd.exe", Dropper) +
                    Process(6, "H2", "2026-01-05 12:00:00.000", "C:\\Users\\Public\\upd.exe", Dropper) +
                    Process(7, "H3", "2026-01-05 13:00:00.000", "C:\\Tools\\tool.exe", Tool);
        var file = _temp.File("fleet.ndjson");
        File.WriteAllText(file, lines);
        var sink = new DuckDbEventSink(_store);
        var mapper = Sysmon.Ingest.Tests.Fixtures.Convert.Mapper();
        var docs = new Sysmon.Ingest.Json.JsonEventReader().ReadAsync(File.OpenRead(file), file, new Sysmon.Ingest.Reading.ReaderOptions())
            .ToBlockingEnumerable().Select(r => mapper.Map(r.Event!)).ToList();
        sink.WriteAsync(docs, default).AsTask().GetAwaiter().GetResult();
    }

    public void Dispose() => _temp.Dispose();

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

    [Theory]
    [InlineData("now-100y", 7)]
    [InlineData("now-1h", 0)]
    [InlineData("2026-01-05T10:30:00Z||/h", 4)] // from 10:00: the dropper three times, the tool once
    public async Task A_time_range_in_date_math_selects_the_same_events_bound_or_written_out(string from, int executions)
    {
        var hunt = Hunt.Parse("since", $"""
            // param: from datetime {from}
            // param: to datetime now
            FROM logs-sysmon-*
            | WHERE event.code == "1" AND @timestamp >= ?from AND @timestamp < ?to
            | STATS n = COUNT(*)
            """);
        var engine = new DuckDbHuntEngine(_store);
        var bound = await engine.RunAsync(hunt.Query, hunt.Bind(new Dictionary<string, string>()), TestContext.Current.CancellationToken);
        var written = await engine.RunAsync(InlinedQuery.Of(hunt)!, new Dictionary<string, object?>(), TestContext.Current.CancellationToken);
        bound.Rows.Single().Single().Should().Be((long)executions);
        written.Rows.Single().Single().Should().Be((long)executions, "NOW() and DATE_TRUNC in the written-out query mean what the bound values did");
    }

    [Fact]
    public async Task A_query_without_keep_returns_fields_not_the_stored_whole_documents()
    {
        var result = await new DuckDbHuntEngine(_store).RunAsync("FROM logs-sysmon-* | WHERE event.code == \"1\" | LIMIT 1",
            new Dictionary<string, object?>(), TestContext.Current.CancellationToken);
        result.Rows.Should().ContainSingle();
        result.Columns.Should().Contain(["process.executable", "process.pe.original_file_name", "@timestamp"])
            .And.NotContain(["doc", "document"]);
    }

    // Written as Elastic's ES|QL detection rules are: every integration's index pattern, METADATA, lower-case commands,
    // host.os filters and Esql.* names. The store's events answer to the Windows integration's name.
    private const string ElasticStyleRule = """
        from logs-endpoint.events.process-*, endgame-*, logs-windows.sysmon_operational-*, winlogbeat-* metadata _id, _version, _index
        | where (host.os.type == "windows" or host.os.family == "windows") and event.category == "process" and event.type == "start"
            and process.name is not null
        | eval Esql.tool = case(process.name == "upd.exe", "Dropper", process.name like "tool*.exe", "Tool", "")
        | where Esql.tool != ""
        | stats Esql.hosts = count_distinct(host.name), Esql.documents = count_distinct(_id), Esql.index = values(_index),
            Esql.version = max(_version) by Esql.tool
        | sort Esql.hosts desc
        | keep Esql.*
        """;

    [Fact]
    public async Task An_elastic_detection_rule_runs_as_written()
    {
        var result = await new DuckDbHuntEngine(_store).RunAsync(ElasticStyleRule, new Dictionary<string, object?>(), TestContext.Current.CancellationToken);
        result.Columns.Should().Equal("Esql.hosts", "Esql.documents", "Esql.index", "Esql.version", "Esql.tool");
        result.Rows.Select(r => string.Join("|", r.Select(v => v is System.Collections.IEnumerable l and not string ? string.Join(",", l.Cast<object>()) : Convert.ToString(v, CultureInfo.InvariantCulture))))
            .Should().Equal("2|3|logs-sysmon-default|1|Dropper", "1|1|logs-sysmon-default|1|Tool");
    }

    [Fact]
    public async Task A_fuzzy_match_finds_a_binary_named_one_letter_away_from_svchost_and_keep_star_keeps_every_column()
    {
        var file = _temp.File("masquerade.ndjson");
        File.WriteAllText(file,
            Process(40, "H4", "2026-01-05 14:00:00.000", "C:\\Windows\\System32\\svchost.exe", Word) +
            Process(41, "H4", "2026-01-05 14:01:00.000", "C:\\Users\\Public\\svch0st.exe", Dropper) +
            Process(42, "H5", "2026-01-05 14:02:00.000", "C:\\ProgramData\\scvhost.exe", Dropper) + // two letters swapped: one edit
            Process(43, "H5", "2026-01-05 14:03:00.000", "C:\\ProgramData\\svhost32.exe", Dropper) + // three edits away
            Process(44, "H5", "2026-01-05 14:04:00.000", "C:\\ProgramData\\SVCHOST.EXE", Dropper)); // keywords are case-sensitive
        var mapper = Sysmon.Ingest.Tests.Fixtures.Convert.Mapper();
        var docs = new List<Sysmon.Ingest.Ecs.EcsDocument>();
        await foreach (var r in new Sysmon.Ingest.Json.JsonEventReader().ReadAsync(File.OpenRead(file), file, new Sysmon.Ingest.Reading.ReaderOptions())) docs.Add(mapper.Map(r.Event!));
        await new DuckDbEventSink(_store).WriteAsync(docs, TestContext.Current.CancellationToken);

        // Written as Elastic's masquerading rule is: MATCH with options, paths lower-cased, KEEP *.
        var rule = """
            from logs-windows.sysmon_operational-* metadata _id
            | where event.code == "1" and match(process.name, "svchost.exe", { "fuzziness": 1, "max_expansions": 10 })
              and not to_lower(process.executable) in ("c:\\windows\\system32\\svchost.exe", "c:\\windows\\syswow64\\svchost.exe")
            | keep *
            """;
        var result = await new DuckDbHuntEngine(_store).RunAsync(rule, new Dictionary<string, object?>(), TestContext.Current.CancellationToken);
        var columns = result.Columns.ToList();
        columns.Should().Contain(["process.executable", "host.name", "_id"]).And.HaveCountGreaterThan(50);
        result.Rows.Select(r => (string)r[columns.IndexOf("process.executable")]!).Should().BeEquivalentTo(
            "C:\\Users\\Public\\svch0st.exe", "C:\\ProgramData\\scvhost.exe");

        var exact = await new DuckDbHuntEngine(_store).RunAsync("FROM logs-sysmon-* | WHERE process.name : \"svchost.exe\" | STATS n = COUNT(*)",
            new Dictionary<string, object?>(), TestContext.Current.CancellationToken);
        exact.Rows.Single().Single().Should().Be(1L, "without fuzziness, the match operator is the whole value");
    }

    [Fact]
    public async Task Events_answer_to_host_id_and_their_data_stream_as_they_would_on_elasticsearch()
    {
        // Elastic's hunting queries count hosts by host.id and group by data_stream.namespace.
        var result = await new DuckDbHuntEngine(_store).RunAsync("""
            FROM logs-windows.sysmon_operational-* METADATA _index
            | STATS hosts = COUNT_DISTINCT(host.id), names = COUNT_DISTINCT(host.name) BY data_stream.type, data_stream.dataset, data_stream.namespace, _index
            """, new Dictionary<string, object?>(), TestContext.Current.CancellationToken);
        result.Rows.Should().ContainSingle().Which.Should().Equal(3L, 3L, "logs", "sysmon", "default", "logs-sysmon-default");
    }

    [Fact]
    public async Task Metadata_id_is_the_document_id_and_the_store_s_own_copy_stays_hidden()
    {
        var result = await new DuckDbHuntEngine(_store).RunAsync("FROM logs-sysmon-* METADATA _id | WHERE process.name == \"tool.exe\"",
            new Dictionary<string, object?>(), TestContext.Current.CancellationToken);
        result.Columns.Should().EndWith("_id").And.Contain("event.id").And.NotContain("id");
        var row = result.Rows.Should().ContainSingle().Subject;
        var columns = result.Columns.ToList();
        row[columns.IndexOf("_id")].Should().Be(row[columns.IndexOf("event.id")]);
    }

    [Fact]
    public async Task Metadata_source_is_each_events_whole_document()
    {
        // As Elastic's rules ask for it (FROM ... METADATA _source), and as Kibana's Discover shows it.
        var result = await new DuckDbHuntEngine(_store).RunAsync(
            "FROM logs-sysmon-* METADATA _id, _source | WHERE process.name == \"tool.exe\" | KEEP _id, _source, process.executable",
            new Dictionary<string, object?>(), TestContext.Current.CancellationToken);
        result.Columns.Should().Equal("_id", "_source", "process.executable");
        var row = result.Rows.Should().ContainSingle().Subject;
        var text = row[1].Should().BeOfType<string>().Subject;
        var source = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        source["event"]!["id"]!.GetValue<string>().Should().Be((string)row[0]!, text);
        source["process"]!["executable"]!.GetValue<string>().Should().Be((string)row[2]!, text);
        source["host"]!["os"]!["type"]!.GetValue<string>().Should().Be("windows", text);
        source["@timestamp"]!.GetValue<string>().Should().Be("2026-01-05T13:00:00.000Z", text);
        // Unread, it costs nothing: a count over every event with _source asked for.
        var count = await new DuckDbHuntEngine(_store).RunAsync("FROM logs-sysmon-* METADATA _source | STATS n = COUNT(*)",
            new Dictionary<string, object?>(), TestContext.Current.CancellationToken);
        count.Rows.Single().Single().Should().BeOfType<long>().Which.Should().BePositive();
    }

    private static string Access(int record, string target, string access) =>
        "{\"winlog\":{\"event_id\":\"10\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"computer_name\":\"H9\",\"record_id\":" +
        record.ToString(CultureInfo.InvariantCulture) + ",\"event_data\":{\"UtcTime\":\"2026-01-05 15:00:00.000\",\"SourceImage\":\"C:\\\\x.exe\"," +
        "\"TargetImage\":\"" + target + "\",\"GrantedAccess\":\"" + access + "\",\"CallTrace\":\"C:\\\\ntdll.dll+1\"}}}\n";

    [Fact]
    public async Task Keep_takes_fields_inside_winlog_event_data_by_name_or_wildcard()
    {
        var file = _temp.File("access.ndjson");
        File.WriteAllText(file, Access(30, "C:\\\\Windows\\\\system32\\\\lsass.exe", "0x1010") + Access(31, "C:\\\\Windows\\\\explorer.exe", "0x1000"));
        var mapper = Sysmon.Ingest.Tests.Fixtures.Convert.Mapper();
        var docs = new List<Sysmon.Ingest.Ecs.EcsDocument>();
        await foreach (var r in new Sysmon.Ingest.Json.JsonEventReader().ReadAsync(File.OpenRead(file), file, new Sysmon.Ingest.Reading.ReaderOptions())) docs.Add(mapper.Map(r.Event!));
        await new DuckDbEventSink(_store).WriteAsync(docs, default);
        var engine = new DuckDbHuntEngine(_store);
        var none = new Dictionary<string, object?>();

        var byName = await engine.RunAsync("FROM logs-sysmon-* | WHERE event.code == \"10\" | SORT winlog.event_data.GrantedAccess | KEEP winlog.event_data.GrantedAccess, host.name",
            none, TestContext.Current.CancellationToken);
        byName.Columns.Should().Equal("winlog.event_data.GrantedAccess", "host.name");
        byName.Rows.Select(r => $"{r[0]}|{r[1]}").Should().Equal("0x1000|H9", "0x1010|H9");

        // As Elasticsearch maps each key as a subfield: every key of the store, in name order, whatever the rows.
        var wildcard = await engine.RunAsync("FROM logs-sysmon-* | WHERE event.code == \"10\" | SORT winlog.event_data.GrantedAccess | KEEP winlog.event_data.* | LIMIT 1",
            none, TestContext.Current.CancellationToken);
        wildcard.Columns.Should().Equal("winlog.event_data.CallTrace", "winlog.event_data.GrantedAccess", "winlog.event_data.TargetImage");
        wildcard.Rows.Single().Should().Equal("C:\\ntdll.dll+1", "0x1000", "C:\\Windows\\explorer.exe");
        var narrowed = await engine.RunAsync("FROM logs-sysmon-* | KEEP winlog.event_data.Gra* | LIMIT 1", none, TestContext.Current.CancellationToken);
        narrowed.Columns.Should().Equal("winlog.event_data.GrantedAccess");

        var unknown = () => engine.RunAsync("FROM logs-sysmon-* | KEEP winlog.event_data.Nothing*", none, default).GetAwaiter().GetResult();
        unknown.Should().Throw<EsqlException>().WithMessage("KEEP: no column matches 'winlog.event_data.Nothing*'*");
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

    private static string Connection(int record, string host, string time, string destination) =>
        "{\"winlog\":{\"event_id\":\"3\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"computer_name\":\"" + host + "\",\"record_id\":" +
        record.ToString(CultureInfo.InvariantCulture) + ",\"event_data\":{\"UtcTime\":\"" + time + "\",\"Image\":\"C:\\\\x.exe\",\"DestinationIp\":\"" + destination +
        "\",\"DestinationPort\":\"443\"}}}\n";

    [Fact]
    public async Task Blacklist_hunts_enrich_from_the_indicators_by_ip_cidr_and_hash_but_never_allow_listed_addresses()
    {
        var feed = Sysmon.Enrich.Formats.PlainListParser.Parse("203.0.113.66\n198.51.100.0/24\n10.0.0.0/8\n" + Dropper + "\n", "test-feed").Indicators;
        await new DuckDbIndicatorStore(_store).ReplaceFeedAsync("test-feed", feed, DateTimeOffset.UtcNow, default);
        var file = _temp.File("net.ndjson");
        File.WriteAllText(file, Connection(20, "H1", "2026-01-05 14:00:00.000", "203.0.113.66") + Connection(21, "H2", "2026-01-05 14:01:00.000", "198.51.100.7") +
                                Connection(22, "H3", "2026-01-05 14:02:00.000", "192.0.2.1") + Connection(23, "H3", "2026-01-05 14:03:00.000", "10.9.9.9"));
        var mapper = Sysmon.Ingest.Tests.Fixtures.Convert.Mapper();
        var docs = new List<Sysmon.Ingest.Ecs.EcsDocument>();
        await foreach (var r in new Sysmon.Ingest.Json.JsonEventReader().ReadAsync(File.OpenRead(file), file, new Sysmon.Ingest.Reading.ReaderOptions())) docs.Add(mapper.Map(r.Event!));
        await new DuckDbEventSink(_store).WriteAsync(docs, default);

        Run("blacklisted-connections").Select(r => string.Join("|", r.Split('|').Skip(1).Where((_, i) => i is 0 or 3 or 5 or 6))).Should().Equal(
            "H1|203.0.113.66|test-feed|203.0.113.66", "H2|198.51.100.7|test-feed|198.51.100.0/24");
        Run("blacklisted-executions").Select(r => r.Split('|')[1]).Should().Equal("H2", "H1", "H2");
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
