using System.Globalization;
using FluentAssertions;
using Sysmon.Queries.Lineage;
using Xunit;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>Lineage on a fixture: a 6-level chain across explorer / winword / cmd / powershell / rundll32, plus a loop and a missing link.</summary>
public sealed class ProcessLineageTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sysmon-lineage-tests", Guid.NewGuid().ToString("N"));
    private readonly DuckDbStore _store;

    private static string G(int n) => "{8f2a3c1e-0000-6a3f-0000-" + n.ToString("D12", CultureInfo.InvariantCulture) + "}";

    private static string Create(int record, int guid, int parent, string image, int minute) =>
        "{\"winlog\":{\"event_id\":\"1\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"computer_name\":\"H1\",\"record_id\":" +
        record.ToString(CultureInfo.InvariantCulture) + ",\"event_data\":{\"UtcTime\":\"2026-01-05 10:" + minute.ToString("D2", CultureInfo.InvariantCulture) +
        ":00.000\",\"ProcessGuid\":\"" + G(guid) + "\",\"ParentProcessGuid\":\"" + G(parent) + "\",\"Image\":\"C:\\\\Windows\\\\" + image +
        "\",\"CommandLine\":\"" + image + " /x\"}}}\n";

    public ProcessLineageTests()
    {
        Directory.CreateDirectory(_dir);
        _store = DuckDbStore.Open(Path.Combine(_dir, "s.duckdb"));
        // 1 explorer -> 2 winword -> 3 cmd -> 4 powershell -> 5 rundll32 -> 6 cmd -> 7 rundll32 ; 4 -> 8 powershell (sibling branch)
        // 20 -> 21 -> 20 (a loop); 30's parent 99 was never recorded (a missing link)
        var lines = Create(1, 1, 0, "explorer.exe", 0) + Create(2, 2, 1, "winword.exe", 1) + Create(3, 3, 2, "cmd.exe", 2) +
                    Create(4, 4, 3, "powershell.exe", 3) + Create(5, 5, 4, "rundll32.exe", 4) + Create(6, 6, 5, "cmd.exe", 5) +
                    Create(7, 7, 6, "rundll32.exe", 6) + Create(8, 8, 4, "powershell.exe", 7) +
                    Create(20, 20, 21, "a.exe", 20) + Create(21, 21, 20, "b.exe", 21) + Create(30, 30, 99, "orphan.exe", 30);
        var mapper = Sysmon.Ingest.Tests.Fixtures.Convert.Mapper();
        var docs = lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l =>
        {
            var e = new Sysmon.Ingest.Json.JsonEventReader().ReadAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(l)), "f", new Sysmon.Ingest.Reading.ReaderOptions())
                .ToBlockingEnumerable().Single().Event!;
            return mapper.Map(e);
        }).ToList();
        new DuckDbEventSink(_store).WriteAsync(docs, default).AsTask().GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _store.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Task<LineageResult> Build(int guid, int depth = 50) => new ProcessLineage(new DuckDbProcessLookup(_store)).BuildAsync(G(guid), depth, default);

    [Fact]
    public async Task Ancestors_run_root_first_and_descendants_form_a_tree()
    {
        var r = await Build(4);
        r.Ancestors.Select(a => a.Executable).Should().Equal("C:\\Windows\\explorer.exe", "C:\\Windows\\winword.exe", "C:\\Windows\\cmd.exe");
        r.Process!.Executable.Should().Be("C:\\Windows\\powershell.exe");
        r.Descendants.Select(d => d.EntityId).Should().Equal(G(5), G(8));
        r.Descendants[0].Children.Single().Children.Single().EntityId.Should().Be(G(7));
        r.Problems.Should().ContainSingle().Which.Problem.Should().Contain("missing link"); // explorer's parent (zero GUID) is not stored
        (await Build(7)).Ancestors.Should().HaveCount(6, "six levels up from the last rundll32");
        (await Build(7)).Ancestors.Select(a => a.EntityId.ToUpperInvariant()).Should().Equal(new[] { 1, 2, 3, 4, 5, 6 }.Select(G).Select(g => g.ToUpperInvariant()));
    }

    [Fact]
    public async Task Loops_and_missing_links_are_reported_not_followed()
    {
        var loop = await Build(20);
        loop.Ancestors.Select(a => a.EntityId).Should().Equal(G(21));
        loop.Problems.Should().Contain(p => p.Problem.StartsWith("loop", StringComparison.Ordinal));
        var orphan = await Build(30);
        orphan.Ancestors.Should().BeEmpty();
        orphan.Problems.Should().ContainSingle().Which.Should().Be(new LineageProblem(G(99), "missing link: the parent's process creation is not stored"));
        (await Build(4, depth: 1)).Problems.Should().Contain(p => p.Problem.Contains("--depth"));
        (await Build(12345)).Process.Should().BeNull();
    }
}
