using System.Text;
using FluentAssertions;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;
using Convert = Sysmon.Ingest.Tests.Fixtures.Convert;

namespace Sysmon.Ingest.Tests.Readers;

public sealed class JsonEventReaderTests
{
    private static readonly SampleEvent Create = SampleEvents.All.Single(s => s.Id == 1);
    private static readonly SampleEvent Connect = SampleEvents.All.Single(s => s.Id == 3);

    [Fact]
    public async Task Json_lines_array_and_concatenated_pretty_objects_are_all_read()
    {
        var lines = EventForms.Beats(Create) + "\n" + EventForms.Beats(Connect) + "\n";
        var array = "[\n  " + EventForms.Beats(Create) + ",\n  " + EventForms.Beats(Connect) + "\n]";
        var pretty = Pretty(EventForms.Beats(Create)) + "\n" + Pretty(EventForms.Beats(Connect));
        foreach (var text in new[] { lines, array, pretty })
        {
            (await Convert.EventsAsync(new JsonEventReader(), text)).Select(e => e.EventId).Should().Equal(1, 3);
        }
    }

    [Fact]
    public async Task A_cut_line_and_a_junk_line_are_rejected_with_their_line_and_the_rest_is_read()
    {
        var text = EventForms.Beats(Create) + "\n" +
                   EventForms.Beats(Connect)[..150] + "\n" +
                   "this is not json\n" +
                   "{\"a\": 1,}\n" +
                   EventForms.Beats(Connect) + "\n";
        var results = await Convert.ReadAsync(new JsonEventReader(), text, "mixed.ndjson");
        results.Where(r => r.Event is not null).Select(r => r.Event!.EventId).Should().Equal(1, 3);
        var rejected = results.Where(r => r.Rejected is not null).Select(r => r.Rejected!).ToList();
        rejected.Select(r => r.Position.Line).Should().Equal(2, 3, 4);
        rejected[0].Reason.Should().Contain("cut off");
        rejected[1].Reason.Should().Contain("not JSON");
        rejected[2].Reason.Should().StartWith("malformed JSON");
        results.Last(r => r.Event is not null).Event!.Position.Line.Should().Be(5);
    }

    [Fact]
    public async Task A_shippers_host_id_and_agent_are_kept_as_elastic_keeps_them_and_the_computer_name_stands_in_otherwise()
    {
        // Winlogbeat with add_host_metadata, as it ships: the host's machine id and the agent beside the event.
        const string Shipped = "{\"agent\":{\"id\":\"5d1c4a0e-7f3b-4c9e-9a51-2b7e0c3d8f10\",\"name\":\"WS-0042\",\"type\":\"winlogbeat\"," +
                               "\"version\":\"8.17.0\",\"ephemeral_id\":\"e1\"},\"host\":{\"id\":\"a3f0c1d2-0b5e-4f6a-8c7d-9e1f2a3b4c5d\",\"name\":\"ws-0042\"},";
        var shipped = (await Convert.EventsAsync(new JsonEventReader(), Shipped + EventForms.Beats(Create)[1..])).Single();
        var plain = (await Convert.EventsAsync(new JsonEventReader(), EventForms.Beats(Create))).Single();

        var doc = Convert.Mapper().Map(shipped);
        doc.GetString("host.id").Should().Be("a3f0c1d2-0b5e-4f6a-8c7d-9e1f2a3b4c5d");
        doc.GetString("host.name").Should().Be(SampleEvent.Computer, "winlog.computer_name names the host that logged the event");
        doc.GetString("agent.id").Should().Be("5d1c4a0e-7f3b-4c9e-9a51-2b7e0c3d8f10");
        doc.GetString("agent.name").Should().Be("WS-0042");
        doc.GetString("agent.type").Should().Be("winlogbeat");
        doc.GetString("agent.version").Should().Be("8.17.0");
        doc.Fields.Should().NotContain(f => f.Key == "agent.ephemeral_id", "it changes at every restart of the shipper");

        plain.Shipper.Should().BeNull();
        var bare = Convert.Mapper().Map(plain);
        bare.GetString("host.id").Should().Be(SampleEvent.Computer);
        bare.Fields.Should().NotContain(f => f.Key.StartsWith("agent.", StringComparison.Ordinal), "no agent is made up for a log without one");
    }

    [Fact]
    public async Task An_elasticsearch_hit_is_read_as_its_source_whatever_the_layout_inside()
    {
        // elasticdump and scroll exports write one hit per line: the event is _source, beside the hit's own members.
        static string Hit(string source) =>
            "{\"_index\":\".ds-logs-windows.sysmon_operational-default-2026.01.05-000001\",\"_type\":\"_doc\",\"_id\":\"Xk3v\",\"_score\":1.0," +
            "\"_source\":" + source + ",\"sort\":[1767607200000,7]}";
        foreach (var sample in SampleEvents.All)
        {
            foreach (var form in new[] { EventForms.Beats(sample), EventForms.Nxlog(sample), EventForms.GetWinEventJson(sample) })
            {
                var direct = (await Convert.EventsAsync(new JsonEventReader(), form)).Single();
                var hit = (await Convert.EventsAsync(new JsonEventReader(), Hit(form))).Single();
                Sysmon.Ingest.Output.EcsJsonWriter.ToJson(Convert.Mapper().Map(hit)).Should().Be(
                    Sysmon.Ingest.Output.EcsJsonWriter.ToJson(Convert.Mapper().Map(direct)), $"event {sample.Id}: {form[..60]}");
            }
        }
        // Only the hit's own _source: a nested member of that name is an ordinary field.
        var nested = (await Convert.ReadAsync(new JsonEventReader(), "{\"doc\":{\"_source\":" + EventForms.Beats(Create) + "}}", "nested.ndjson")).Single();
        nested.Event.Should().BeNull();
        nested.Rejected!.Reason.Should().Contain("not a Sysmon event");
    }

    // A search response as Elasticsearch writes it (curl .../_search?pretty > response.json, or Kibana's Inspect):
    // the hits inside the envelope, an aggregation after them.
    private static string SearchResponse(IEnumerable<string> sources, string first = "\"took\":12,\"timed_out\":false") =>
        first + ",\"_shards\":{\"total\":1,\"successful\":1,\"skipped\":0,\"failed\":0}," +
        "\"hits\":{\"total\":{\"value\":10000,\"relation\":\"gte\"},\"max_score\":null,\"hits\":[" +
        string.Join(",", sources.Select((source, n) =>
            "{\"_index\":\"logs-windows.sysmon_operational-default\",\"_id\":\"h" + n + "\",\"_score\":null,\"_source\":" + source +
            ",\"sort\":[" + n + "]}")) +
        "]},\"aggregations\":{\"hosts\":{\"buckets\":[{\"key\":\"]}\\\"{\",\"doc_count\":2}]}}}";

    private static string Envelope(string members) => "{" + members;

    [Fact]
    public async Task A_saved_search_response_is_read_hit_by_hit_in_every_form_it_is_saved_in()
    {
        var sources = SampleEvents.All.Select(EventForms.Beats).ToList();
        var expected = SampleEvents.All.Select(e => e.Id).ToList();
        var response = Envelope(SearchResponse(sources));
        var forms = new Dictionary<string, string>
        {
            ["compact"] = response,
            ["pretty"] = Pretty(response),
            ["filtered (filter_path=hits.hits._source)"] = "{\"hits\":{\"hits\":[" + string.Join(",", sources.Select(s => "{\"_source\":" + s + "}")) + "]}}",
            // Kibana's Inspect view, and an async search's result (GET _async_search/ID): the response inside a wrapper.
            ["Kibana's rawResponse"] = Pretty("{\"rawResponse\":" + response + ",\"isPartial\":false,\"isRunning\":false,\"total\":1,\"loaded\":1}"),
            ["async search"] = "{\"id\":\"FmRldE8zREVEUzA2ZVpUeGs2ejJFUFEaMkZ5QTVrSTZSaVN3WlNFVmtlWHJsdzoxMDc=\",\"is_partial\":false," +
                               "\"is_running\":false,\"start_time_in_millis\":1767607200000,\"expiration_time_in_millis\":1768039200000," +
                               "\"response\":" + response + "}",
            // Scroll pages appended to one file, each a response of its own.
            ["scroll pages"] = Envelope(SearchResponse(sources.Take(5), "\"_scroll_id\":\"FGluY2x1ZGVfY29udGV4dF91dWlk\",\"took\":3,\"timed_out\":false")) + "\n" +
                               Pretty(Envelope(SearchResponse(sources.Skip(5), "\"_scroll_id\":\"FGluY2x1ZGVfY29udGV4dF91dWlk\",\"took\":2,\"timed_out\":false"))),
        };
        foreach (var (form, text) in forms)
        {
            (await Convert.EventsAsync(new JsonEventReader(), text)).Select(e => e.EventId).Should().Equal(expected, form);
        }
        var direct = (await Convert.EventsAsync(new JsonEventReader(), string.Join("\n", sources))).Select(e => EcsJson(e));
        (await Convert.EventsAsync(new JsonEventReader(), response)).Select(e => EcsJson(e)).Should().Equal(direct);

        // Each hit is placed where it starts: its own line of a pretty response.
        var lines = Pretty(response).Split('\n');
        var read = await Convert.EventsAsync(new JsonEventReader(), Pretty(response));
        var line = (int)read[1].Position.Line!.Value;
        lines[line - 1].Trim().Should().Be("{", "the second hit starts on the line it is given");
        lines[line].Should().Contain("\"_index\"");
    }

    [Fact]
    public async Task A_search_response_larger_than_the_record_limit_and_given_a_few_bytes_at_a_time_is_read_whole()
    {
        var sources = Enumerable.Range(0, 40).Select(n => EventForms.Beats(SampleEvents.All[n % SampleEvents.All.Count])).ToList();
        var text = Pretty(Envelope(SearchResponse(sources))) + "\n" + EventForms.Beats(Create) + "\n";
        var options = new Sysmon.Ingest.Reading.ReaderOptions { MaxRecordBytes = 8 * 1024 };
        Encoding.UTF8.GetByteCount(text).Should().BeGreaterThan(10 * options.MaxRecordBytes);
        var results = new List<Sysmon.Ingest.Reading.ReadResult>();
        await using var stream = new TrickleStream(Encoding.UTF8.GetBytes(text), 7);
        await foreach (var r in new JsonEventReader().ReadAsync(stream, "response.json", options)) results.Add(r);
        results.Where(r => r.Rejected is not null).Select(r => r.Rejected!.Reason).Should().BeEmpty();
        results.Select(r => r.Event!.EventId).Should().Equal(sources.Select((_, n) => SampleEvents.All[n % SampleEvents.All.Count].Id).Append(1),
            "every hit, and the line after the response");
    }

    [Fact]
    public async Task A_bad_hit_inside_a_response_costs_only_itself_and_a_response_without_hits_is_rejected_as_before()
    {
        var text = Envelope(SearchResponse([EventForms.Beats(Create), "\"not an object\"", "{\"message\":\"hello\"}", EventForms.Beats(Connect)]));
        var results = await Convert.ReadAsync(new JsonEventReader(), text, "response.json");
        results.Where(r => r.Event is not null).Select(r => r.Event!.EventId).Should().Equal(1, 3);
        results.Where(r => r.Rejected is not null).Should().HaveCount(2).And.OnlyContain(r => r.Rejected!.Reason.Contains("not a Sysmon event"));

        (await Convert.ReadAsync(new JsonEventReader(), Envelope(SearchResponse([])))).Should().BeEmpty("a response with no hits holds no event");
        var noHits = await Convert.ReadAsync(new JsonEventReader(), "{\"took\":1,\"timed_out\":false,\"_shards\":{\"total\":1}}");
        noHits.Should().ContainSingle().Which.Rejected!.Reason.Should().Contain("not a Sysmon event");
        // An event that starts with a member a response starts with is still an event.
        (await Convert.EventsAsync(new JsonEventReader(), "{\"id\":\"7\",\"hits\":{\"count\":2}," + EventForms.Beats(Create)[1..]))
            .Select(e => e.EventId).Should().Equal(1);
    }

    // A hit as the fields API returns it ("fields": ["*"], "_source": false, as Kibana's Discover asks): every leaf by
    // its dotted name, its values in an array, and each string of a dynamically mapped index twice (text and .keyword).
    private static string FieldsHit(string source, int n)
    {
        var fields = new System.Text.Json.Nodes.JsonObject();
        void Flatten(System.Text.Json.Nodes.JsonNode? node, string path)
        {
            switch (node)
            {
                case System.Text.Json.Nodes.JsonObject o:
                    foreach (var (name, child) in o) Flatten(child, path.Length == 0 ? name : path + "." + name);
                    break;
                case System.Text.Json.Nodes.JsonArray a:
                    fields[path] = new System.Text.Json.Nodes.JsonArray(a.Select(v => v?.DeepClone()).ToArray());
                    break;
                case System.Text.Json.Nodes.JsonValue v:
                    fields[path] = new System.Text.Json.Nodes.JsonArray(v.DeepClone());
                    if (v.TryGetValue<string>(out var text) && text.Length <= 256) fields[path + ".keyword"] = new System.Text.Json.Nodes.JsonArray(text);
                    break;
            }
        }
        Flatten(System.Text.Json.Nodes.JsonNode.Parse(source), "");
        return "{\"_index\":\"winlogbeat-2026.01.05\",\"_id\":\"h" + n + "\",\"_score\":null,\"fields\":" + fields.ToJsonString() + ",\"sort\":[" + n + "]}";
    }

    [Fact]
    public async Task A_search_response_whose_hits_carry_fields_instead_of_source_gives_the_same_events()
    {
        var sources = SampleEvents.All.Select(EventForms.Beats).ToList();
        var response = "{\"took\":3,\"timed_out\":false,\"hits\":{\"total\":{\"value\":30,\"relation\":\"eq\"},\"hits\":[" +
                       string.Join(",", sources.Select(FieldsHit)) + "]}}";
        var direct = (await Convert.EventsAsync(new JsonEventReader(), string.Join("\n", sources))).Select(e => EcsJson(e)).ToList();
        (await Convert.EventsAsync(new JsonEventReader(), response)).Select(e => EcsJson(e)).Should().Equal(direct);
        // A hit line by line (elasticdump) the same; with both _source and fields, fields are the same values again.
        (await Convert.EventsAsync(new JsonEventReader(), string.Join("\n", sources.Select(FieldsHit)))).Select(e => EcsJson(e)).Should().Equal(direct);
        var both = sources.Select((source, n) => FieldsHit(source, n).Replace("\"fields\":", "\"_source\":" + source + ",\"fields\":", StringComparison.Ordinal));
        (await Convert.EventsAsync(new JsonEventReader(), string.Join("\n", both))).Select(e => EcsJson(e)).Should().Equal(direct);
        // A shipper's own "fields" (Beats' custom fields) beside an event that is not a hit stay as they were.
        var custom = EventForms.Beats(Create).Insert(1, "\"fields\":{\"env\":\"prod\"},");
        (await Convert.EventsAsync(new JsonEventReader(), custom)).Select(e => e.EventId).Should().Equal(1);
    }

    [Fact]
    public void A_files_head_tells_a_saved_search_response_from_events_that_look_like_one()
    {
        var sources = SampleEvents.All.Select(EventForms.Beats).ToList();
        var response = Envelope(SearchResponse(sources));
        byte[] Head(string text) => Encoding.UTF8.GetBytes(text)[..Math.Min(8192, Encoding.UTF8.GetByteCount(text))];
        JsonEventReader.StartsSearchResponse(Head(response)).Should().BeTrue();
        JsonEventReader.StartsSearchResponse(Head("\uFEFF\n  " + Pretty(response))).Should().BeTrue("a byte-order mark and blanks before it");
        JsonEventReader.StartsSearchResponse(Head("{\"rawResponse\":" + response + "}")).Should().BeTrue();
        JsonEventReader.StartsSearchResponse(Head(string.Join("\n", sources))).Should().BeFalse("NDJSON events");
        JsonEventReader.StartsSearchResponse(Head("[" + string.Join(",", sources) + "]")).Should().BeFalse("an array of events");
        JsonEventReader.StartsSearchResponse(Head("{\"id\":\"7\",\"hits\":{\"count\":2}," + EventForms.Beats(Create)[1..]))
            .Should().BeFalse("an event whose first member a response could start with, and no hits array");
        JsonEventReader.StartsSearchResponse(Head("{\"took\":1,\"timed_out\":false,\"_shards\":{\"total\":1}}")).Should().BeFalse("no hits");
        JsonEventReader.StartsSearchResponse(Head("{\"took\":1,\"timed_out\":false,\"_shards\":{\"tot")).Should().BeFalse("cut before its hits");
    }

    // The mapped document but for where in the file the event was (a hit lies further in than the line it came from).
    private static string EcsJson(Sysmon.Ingest.Events.SysmonEvent e) => Convert.Without(Convert.Ecs(e), "log.offset").ToJsonString();

    /// <summary>A stream that gives at most a few bytes per read, as a slow pipe does.</summary>
    private sealed class TrickleStream(byte[] data, int step) : MemoryStream(data, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, step));
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, step)]);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, step)], ct);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            base.ReadAsync(buffer, offset, Math.Min(count, step), ct);
    }

    [Fact]
    public async Task Structured_event_data_wins_over_a_stale_rendered_message()
    {
        var doc = EventForms.Beats(Create).Replace("ProcessId: 6256", "ProcessId: 0", StringComparison.Ordinal)
            .Replace("User: CORP\\\\alice", "User: %10", StringComparison.Ordinal);
        var e = (await Convert.EventsAsync(new JsonEventReader(), doc)).Single();
        e.Message.Should().Contain("ProcessId: 0");
        e.GetData("ProcessId").Should().Be("6256");
        e.GetData("User").Should().Be("CORP\\alice");
        e.DataFromMessage.Should().BeFalse();
    }

    [Fact]
    public async Task Nxlog_ce_loses_ProcessId_to_its_own_ProcessID_and_the_message_gives_it_back()
    {
        var e = (await Convert.EventsAsync(new JsonEventReader(), EventForms.Nxlog(Create, dropProcessId: true))).Single();
        e.GetData("ProcessId").Should().Be("6256");
        e.ExecutionProcessId.Should().Be(3228);
        e.TimeCreated.Should().BeNull("NXLog's EventTime is the agent's local time, never taken for UTC");
    }

    [Fact]
    public async Task Nxlog_eventtype_collision_takes_sysmons_value_from_the_message()
    {
        var registry = SampleEvents.All.Single(s => s.Id == 13);
        var e = (await Convert.EventsAsync(new JsonEventReader(), EventForms.Nxlog(registry))).Single();
        e.GetData("EventType").Should().Be("SetValue");
    }

    [Fact]
    public async Task Unknown_top_level_fields_of_a_newer_sysmon_are_kept_as_event_data()
    {
        var doc = EventForms.Nxlog(Create).Replace("\"ParentUser\":", "\"ParentSessionId\":\"7\",\"ParentUser\":", StringComparison.Ordinal);
        var e = (await Convert.EventsAsync(new JsonEventReader(), doc)).Single();
        e.GetData("ParentSessionId").Should().Be("7");
        var ecs = Convert.Ecs(e);
        ecs["winlog"]!["event_data"]!["ParentSessionId"]!.GetValue<string>().Should().Be("7");
    }

    [Fact]
    public async Task Evtx_dump_layout_with_numbers_and_bare_guids()
    {
        const string doc = """
            {
              "Event": {
                "#attributes": { "xmlns": "http://schemas.microsoft.com/win/2004/08/events/event" },
                "System": {
                  "Provider": { "#attributes": { "Name": "Microsoft-Windows-Sysmon", "Guid": "5770385F-C22A-43E0-BF4C-06F5698FFBD9" } },
                  "EventID": 13, "Version": 2, "Level": 4, "Task": 13, "Opcode": 0, "Keywords": "0x8000000000000000",
                  "TimeCreated": { "#attributes": { "SystemTime": "2025-12-25T10:58:31.890479Z" } },
                  "EventRecordID": 16031, "Correlation": null,
                  "Execution": { "#attributes": { "ProcessID": 3208, "ThreadID": 1724 } },
                  "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "swachchhanda",
                  "Security": { "#attributes": { "UserID": "S-1-5-18" } }
                },
                "EventData": {
                  "RuleName": "-", "EventType": "SetValue", "UtcTime": "2025-12-25 10:58:31.888",
                  "ProcessGuid": "0197231E-EC48-694C-AA0C-000000000800", "ProcessId": 12456,
                  "Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                  "TargetObject": "HKU\\S-1-5-21-1\\Software\\Microsoft\\Windows Script\\Settings\\AmsiEnable",
                  "Details": "DWORD (0x00000000)", "User": "swachchhanda\\xodih"
                }
              }
            }
            """;
        var e = (await Convert.EventsAsync(new JsonEventReader(), doc)).Single();
        e.RecordId.Should().Be(16031);
        e.GetData("ProcessId").Should().Be("12456");
        e.GetData("ProcessGuid").Should().Be("{0197231E-EC48-694C-AA0C-000000000800}");
        var ecs = Convert.Ecs(e);
        ecs["process"]!["pid"]!.GetValue<long>().Should().Be(12456);
        ecs["registry"]!["data"]!["strings"]![0]!.GetValue<string>().Should().Be("0");
    }

    [Fact]
    public async Task Any_object_with_a_rendered_message_is_read_and_flagged()
    {
        const string doc = """{"host":{"name":"WKS-9"},"message":"Process terminated:\nRuleName: -\nUtcTime: 2026-01-05 10:00:05.500\nProcessGuid: {8f2a3c1e-5b6d-6a3f-2a01-000000001e00}\nProcessId: 6256\nImage: C:\\Windows\\System32\\cmd.exe\nUser: CORP\\bob"}""";
        var e = (await Convert.EventsAsync(new JsonEventReader(), doc)).Single();
        e.EventId.Should().Be(5);
        e.Computer.Should().Be("WKS-9");
        e.DataFromMessage.Should().BeTrue();
        var ecs = Convert.Ecs(e);
        ecs["tags"]![0]!.GetValue<string>().Should().Be(Names.MessageParsedTag);
        ecs["user"]!["name"]!.GetValue<string>().Should().Be("bob");
    }

    [Fact]
    public async Task An_object_that_is_not_a_sysmon_event_is_rejected_with_the_reason()
    {
        var results = await Convert.ReadAsync(new JsonEventReader(), "{\"foo\":\"bar\"}\n");
        results.Single().Rejected!.Reason.Should().Contain("not a Sysmon event");
    }

    [Fact]
    public async Task Event_data_names_are_taken_whole_from_nested_objects_arrays_and_one_object_after_another()
    {
        // One reader instance parses every object of a file into the same buffers: names must not leak between them.
        const string first = """{"winlog":{"event_id":1,"channel":"Microsoft-Windows-Sysmon/Operational","event_data":{"UtcTime":"2026-01-05 07:20:48.728","Image":"C:\\a.exe","Extra":{"Inner":"x"},"List":["a","b"]}}}""";
        const string second = """{"winlog":{"event_id":5,"channel":"Microsoft-Windows-Sysmon/Operational","event_data":{"UtcTime":"2026-01-05 07:20:49.000","Image":"C:\\b.exe"}}}""";
        var events = await Convert.EventsAsync(new JsonEventReader(), first + "\n" + second + "\n");
        events.Should().HaveCount(2);
        events[0].Data.Select(d => d.Key).Should().Equal("UtcTime", "Image", "Extra.Inner", "List");
        events[0].GetData("List").Should().Be("a, b");
        events[0].GetData("Image").Should().Be("C:\\a.exe");
        events[1].Data.Select(d => d.Key).Should().Equal("UtcTime", "Image");
        events[1].GetData("Image").Should().Be("C:\\b.exe");
    }

    [Fact]
    public async Task A_get_winevent_json_export_of_several_logs_counts_the_others_and_rejects_a_mislabelled_record()
    {
        // Get-WinEvent -LogName Security,Microsoft-Windows-Sysmon/Operational | ConvertTo-Json (pretty, as it writes).
        var security = "{\"Message\":\"An account was successfully logged on.\\r\\n\\r\\nSubject:\",\"Id\":4624,\"RecordId\":88211," +
                       "\"ProviderName\":\"Microsoft-Windows-Security-Auditing\",\"LogName\":\"Security\",\"MachineName\":\"WKS-0042.corp.example\"," +
                       "\"UserId\":null,\"TimeCreated\":\"/Date(1767607202000)/\"}";
        var mislabelled = EventForms.GetWinEventJson(Connect).Replace("\"Id\":3,", "\"Id\":1,", StringComparison.Ordinal);
        var text = Pretty("[" + EventForms.GetWinEventJson(Create) + "," + security + "," + mislabelled + "]");
        var results = await Convert.ReadAsync(new JsonEventReader(), text, "export.json");
        var events = results.Where(r => r.Event is not null).Select(r => r.Event!).ToList();
        events.Select(e => (e.EventId, e.Channel, e.RecordId, e.Computer)).Should().Equal(
            (1, "Microsoft-Windows-Sysmon/Operational", Create.RecordId, SampleEvent.Computer), (4624, "Security", 88211L, SampleEvent.Computer));
        events[0].UserSid.Should().Be("S-1-5-18");
        events[1].Data.Should().BeEmpty();
        results.Single(r => r.Rejected is not null).Rejected!.Reason.Should().Be("Id says 1, the message is event 3");
    }

    [Theory]
    // Windows PowerShell 5.1's ConvertTo-Json (as in public exports of EventLogRecord): milliseconds since 1970 UTC.
    [InlineData("/Date(1595374458918)/", "2020-07-21T23:34:18.9180000+00:00")]
    // The same instant with the offset some serializers add after the milliseconds.
    [InlineData("/Date(1595374458918+0200)/", "2020-07-21T23:34:18.9180000+00:00")]
    // PowerShell 7: ISO 8601 with the exporting machine's offset.
    [InlineData("2020-07-22T01:34:18.918+02:00", "2020-07-21T23:34:18.9180000+00:00")]
    [InlineData("2020-07-21T23:34:18.9180000Z", "2020-07-21T23:34:18.9180000+00:00")]
    // Times that name no zone are not made UTC ones: no event.created from them.
    [InlineData("2020-07-22T01:34:18.918", null)]
    [InlineData("7/22/2020 1:34:18 AM", null)]
    [InlineData("/Date(soon)/", null)]
    public async Task A_get_winevent_json_time_created_is_read_only_where_it_names_an_instant(string timeCreated, string? expected)
    {
        var json = EventForms.GetWinEventJson(Create);
        var from = json.IndexOf("\"TimeCreated\":\"", StringComparison.Ordinal) + "\"TimeCreated\":\"".Length;
        json = json[..from] + timeCreated + json[json.IndexOf('"', from)..];
        var e = (await Convert.EventsAsync(new JsonEventReader(), "[" + json + "]")).Should().ContainSingle().Subject;
        (e.TimeCreated?.ToString("O", System.Globalization.CultureInfo.InvariantCulture)).Should().Be(expected);
    }

    [Theory]
    [InlineData("{\"a\":1}\n", 7)]
    [InlineData("{\"a\":1} \t\r\n{", 7)]
    [InlineData("{\"a\":1},\n", 0)] // an array's item: the splitter's
    [InlineData("{\n\"a\":1}\n", 0)] // pretty-printed
    [InlineData("{\"a\":1}", 0)] // no line end yet
    [InlineData("[{\"a\":1}]\n", 0)]
    public void Only_a_line_that_opens_and_closes_one_object_is_cut_at_its_end(string window, int expected)
    {
        JsonEventReader.OneObjectLine(Encoding.UTF8.GetBytes(window), out var length).Should().Be(expected > 0);
        length.Should().Be(expected);
    }

    [Fact]
    public async Task Lines_that_do_not_parse_as_one_object_are_split_as_before_with_their_lines()
    {
        // Two objects on one line, an array's items on one line, CRLF endings, a bad object: each line cut at its
        // end is tried first, and what does not parse alone goes to the splitter.
        var create = EventForms.Beats(Create);
        var connect = EventForms.Beats(Connect);
        var text = create + connect + "\r\n" +
                   create + ", " + connect + "  \r\n" +
                   "{\"a\": 1,}\r\n" +
                   "{\"a\": {\"b\": 1}  \n}\n" +
                   connect + "\n";
        var results = await Convert.ReadAsync(new JsonEventReader(), text, "mixed.ndjson");
        results.Where(r => r.Event is not null).Select(r => (r.Event!.EventId, r.Event.Position.Line))
            .Should().Equal((1, 1), (3, 1), (1, 2), (3, 2), (3, 6));
        var rejected = results.Where(r => r.Rejected is not null).Select(r => r.Rejected!).ToList();
        rejected.Select(r => r.Position.Line).Should().Equal(3, 4);
        rejected[0].Reason.Should().StartWith("malformed JSON");
        rejected[1].Reason.Should().StartWith("JSON object is not a Sysmon event"); // parsed whole, across its two lines
    }

    private static string Pretty(string json) =>
        System.Text.Json.Nodes.JsonNode.Parse(json)!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
}
