using FluentAssertions;
using Sysmon.Ingest.DeadLetter;
using Sysmon.Ingest.Pipeline;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Tests.Fixtures;
using Sysmon.Queries.Hunts;
using Xunit;
using TempDirectory = Sysmon.Ingest.Tests.Fixtures.TempDirectory;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>Shipped hunts on real attack recordings of the shared corpus (skipped without ../shared).</summary>
public sealed class CorpusHuntTests : IDisposable
{
    private readonly TempDirectory _temp = new("sysmon-corpus-hunt-tests");

    private string Dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Lsass_access_finds_mimikatz_and_the_comsvcs_minidump_with_the_access_they_asked_for()
    {
        var files = new[]
        {
            SharedCorpus.Require("corpus/evtx/evtx-attack-samples/Credential_Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx"),
            SharedCorpus.Require("corpus/json/security-datasets/psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json"),
        };
        using var store = DuckDbStore.Open(Path.Combine(Dir, "c.duckdb"));
        await using (var sink = new DuckDbEventSink(store))
        {
            using var dead = new DeadLetterWriter(Path.Combine(Dir, "dead.ndjson"));
            await new EventPipeline(new EventSource(InputFormat.Auto, ChannelFilter.SysmonOnly, new ReaderOptions()), Sysmon.Ingest.Tests.Fixtures.Convert.Mapper(), sink, dead)
                .RunAsync(InputFiles.Expand(files, out _, out _), TestContext.Current.CancellationToken);
        }
        var hunt = HuntCatalog.Load().Single(h => h.Name == "lsass-access");
        var result = await new DuckDbHuntEngine(store).RunAsync(hunt.Query, hunt.Bind(new Dictionary<string, string>()), TestContext.Current.CancellationToken);
        result.Columns.Should().Equal("hosts", "opens", "first_seen", "last_seen", "process.executable", "winlog.event_data.GrantedAccess");
        var found = result.Rows.Select(r => $"{r[4]}|{r[5]}").ToList();
        // sekurlsa::logonpasswords reads lsass (PROCESS_VM_READ | PROCESS_QUERY_LIMITED_INFORMATION); MiniDump asks for all access.
        found.Should().Contain(@"C:\Users\IEUser\Desktop\mimikatz_trunk\Win32\mimikatz.exe|0x1010");
        found.Should().Contain(@"C:\Windows\System32\rundll32.exe|0x1fffff");
        result.Warnings.Should().BeNull();
    }
}
