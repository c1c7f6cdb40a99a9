using System.Globalization;
using System.Text;
using FluentAssertions;
using Sysmon.Ingest.DeadLetter;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Tests.Fixtures;
using Sysmon.Queries.Lineage;
using Xunit;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>Lineage on partial logs, as collected from a host: processes that started before collection have no
/// creation event, but their children's creations and their own later events still describe them.</summary>
public sealed class PartialLogLineageTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sysmon-partial-lineage-tests", Guid.NewGuid().ToString("N"));

    private static string G(int n) => "{5c1d0b7e-0000-6b10-0000-" + n.ToString("D12", CultureInfo.InvariantCulture) + "}";

    private static string Line(int record, int eventId, int minute, params (string Name, string Value)[] data) =>
        "{\"winlog\":{\"event_id\":\"" + eventId.ToString(CultureInfo.InvariantCulture) +
        "\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"computer_name\":\"WS07\",\"record_id\":" + record.ToString(CultureInfo.InvariantCulture) +
        ",\"event_data\":{\"UtcTime\":\"2026-03-02 08:" + minute.ToString("D2", CultureInfo.InvariantCulture) + ":00.000\"" +
        string.Concat(data.Select(d => ",\"" + d.Name + "\":" + System.Text.Json.JsonSerializer.Serialize(d.Value))) + "}}}\n";

    public PartialLogLineageTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private DuckDbStore Fixture()
    {
        // explorer (40) started before the logs begin: only its network connections (two) and its child's creation name it.
        // A service host (50) appears only as the parent named by its child's creation.
        var lines =
            Line(1, 3, 35, ("ProcessGuid", G(40)), ("ProcessId", "1234"), ("Image", @"C:\Windows\explorer.exe"), ("User", @"CORP\alice"),
                ("Protocol", "tcp"), ("SourceIp", "10.1.2.3"), ("SourcePort", "50000"), ("DestinationIp", "93.184.216.34"), ("DestinationPort", "443")) +
            Line(2, 3, 31, ("ProcessGuid", G(40)), ("ProcessId", "1234"), ("Image", @"C:\Windows\explorer.exe"), ("User", @"CORP\alice"),
                ("Protocol", "tcp"), ("SourceIp", "10.1.2.3"), ("SourcePort", "50001"), ("DestinationIp", "93.184.216.34"), ("DestinationPort", "443")) +
            Line(3, 1, 40, ("ProcessGuid", G(41)), ("ProcessId", "4321"), ("Image", @"C:\Users\alice\Downloads\invoice.exe"),
                ("CommandLine", @"""C:\Users\alice\Downloads\invoice.exe"" /q"), ("User", @"CORP\alice"),
                ("ParentProcessGuid", G(40)), ("ParentProcessId", "1234"), ("ParentImage", @"C:\Windows\explorer.exe"), ("ParentCommandLine", @"C:\Windows\Explorer.EXE")) +
            Line(4, 1, 41, ("ProcessGuid", G(51)), ("ProcessId", "777"), ("Image", @"C:\Windows\System32\wermgr.exe"), ("CommandLine", "wermgr.exe -upload"),
                ("ParentProcessGuid", G(50)), ("ParentProcessId", "900"), ("ParentImage", @"C:\Windows\System32\svchost.exe"),
                ("ParentCommandLine", @"C:\Windows\system32\svchost.exe -k netsvcs -p"));
        var mapper = Sysmon.Ingest.Tests.Fixtures.Convert.Mapper();
        var docs = lines.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => mapper.Map(new JsonEventReader().ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(l)), "f", new ReaderOptions())
                .ToBlockingEnumerable().Single().Event!))
            .ToList();
        var store = DuckDbStore.Open(Path.Combine(_dir, "s.duckdb"));
        new DuckDbEventSink(store).WriteAsync(docs, default).AsTask().GetAwaiter().GetResult();
        return store;
    }

    [Fact]
    public async Task A_parent_whose_creation_is_missing_is_shown_as_its_child_describes_it()
    {
        using var store = Fixture();
        var r = await new ProcessLineage(new DuckDbProcessLookup(store)).BuildAsync(G(41), 50, default);
        r.Process!.User.Should().Be(@"CORP\alice");
        r.Process.Pid.Should().Be(4321);
        var parent = r.Ancestors.Should().ContainSingle().Subject;
        parent.Should().BeEquivalentTo(new
        {
            EntityId = G(40), KnownFrom = ProcessKnownFrom.ChildEvent, Executable = @"C:\Windows\explorer.exe",
            CommandLine = @"C:\Windows\Explorer.EXE", Pid = (long?)1234, Host = "WS07", Timestamp = (DateTime?)null,
        });
        r.Problems.Should().ContainSingle().Which.Problem.Should().Be(
            "missing link: the parent's process creation is not stored (shown as its child's creation describes it)");
    }

    [Fact]
    public async Task A_process_known_only_from_other_events_is_shown_from_its_earliest_one_with_its_children()
    {
        using var store = Fixture();
        var r = await new ProcessLineage(new DuckDbProcessLookup(store)).BuildAsync(G(40), 50, default);
        r.Process.Should().BeEquivalentTo(new
        {
            KnownFrom = ProcessKnownFrom.OtherEvents, Executable = @"C:\Windows\explorer.exe", Pid = (long?)1234,
            Timestamp = (DateTime?)new DateTime(2026, 3, 2, 8, 31, 0, DateTimeKind.Utc), // the earlier of its two connections
        });
        r.Descendants.Select(d => d.Executable).Should().Equal(@"C:\Users\alice\Downloads\invoice.exe");
        r.Problems.Should().ContainSingle().Which.Problem.Should().Contain("shown as its earliest event describes it");
    }

    [Fact]
    public async Task A_process_named_only_as_a_parent_is_shown_as_its_child_describes_it_and_an_unknown_one_is_not_found()
    {
        using var store = Fixture();
        var lineage = new ProcessLineage(new DuckDbProcessLookup(store));
        var r = await lineage.BuildAsync(G(50), 50, default);
        r.Process.Should().BeEquivalentTo(new { KnownFrom = ProcessKnownFrom.ChildEvent, Executable = @"C:\Windows\System32\svchost.exe", Pid = (long?)900 });
        r.Descendants.Select(d => d.EntityId.ToUpperInvariant()).Should().Equal(G(51).ToUpperInvariant());

        var unknown = await lineage.BuildAsync(G(99), 50, default);
        unknown.Process.Should().BeNull();
        unknown.Problems.Should().ContainSingle().Which.Problem.Should().StartWith("no event of this process");
    }

    [Fact]
    public async Task The_corpus_rdp_tunnel_shows_plinks_parent_shell_though_its_creation_was_not_logged()
    {
        var evtx = SharedCorpus.Require("corpus/evtx/evtx-attack-samples/Command_and_Control/DE_sysmon-3-rdp-tun.evtx");
        var path = Path.Combine(_dir, "c.duckdb");
        using (var store = DuckDbStore.Open(path))
        {
            await using var sink = new DuckDbEventSink(store);
            using var dead = new DeadLetterWriter(Path.Combine(_dir, "dead.ndjson"));
            await new EventPipeline(new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions()),
                Sysmon.Ingest.Tests.Fixtures.Convert.Mapper(), sink, dead).RunAsync(InputFiles.Expand([evtx], out _, out _), TestContext.Current.CancellationToken);
        }
        using var reopened = DuckDbStore.Open(path);
        var r = await new ProcessLineage(new DuckDbProcessLookup(reopened)).BuildAsync("{365ABB72-DFAD-5C67-0000-0010E0811500}", 50, default);
        r.Process!.Executable.Should().Be(@"C:\Users\IEUser\Desktop\plink.exe");
        r.Ancestors.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            KnownFrom = ProcessKnownFrom.ChildEvent, Executable = @"C:\Windows\System32\cmd.exe", Pid = (long?)3904,
        });
    }
}
