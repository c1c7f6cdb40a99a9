using System.Globalization;
using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Tests.Fixtures;
using Sysmon.Ingest.Xml;
using Xunit;

namespace Sysmon.Ingest.Tests.Corpus;

/// <summary>
/// Every XML export and JSON file of the real corpus: every record converts, and the counts per event id equal
/// GROUND_TRUTH.tsv (all channels with --channel '*', Sysmon's alone by default).
/// </summary>
public sealed class CorpusTextFormsTests
{
    public static TheoryData<string> XmlExports => SharedCorpus.Files(f => f.EndsWith(".evtx", StringComparison.Ordinal));
    public static TheoryData<string> JsonFiles => SharedCorpus.Files(f => f.EndsWith(".json", StringComparison.Ordinal));

    private static async Task<(Dictionary<int, int> All, Dictionary<int, int> Sysmon, List<RejectedRecord> Rejected, List<string> Timestamps)>
        ConvertAsync(IEventReader reader, string path)
    {
        var all = new Dictionary<int, int>();
        var sysmon = new Dictionary<int, int>();
        var rejected = new List<RejectedRecord>();
        var timestamps = new List<string>();
        var mapper = Fixtures.Convert.Mapper();
        await using var stream = File.OpenRead(path);
        await foreach (var r in reader.ReadAsync(stream, path, new ReaderOptions()))
        {
            if (r.Rejected is not null) rejected.Add(r.Rejected);
            if (r.Event is not { } e) continue;
            var doc = mapper.Map(e); // every record must map, Sysmon or not
            all[e.EventId] = all.GetValueOrDefault(e.EventId) + 1;
            if (ChannelFilter.SysmonOnly.Accepts(e))
            {
                sysmon[e.EventId] = sysmon.GetValueOrDefault(e.EventId) + 1;
                timestamps.Add(doc.GetString("@timestamp")!);
            }
        }
        return (all, sysmon, rejected, timestamps);
    }

    [Theory]
    [MemberData(nameof(XmlExports))]
    public async Task Xml_export_converts_every_record_with_the_ground_truth_counts(string evtx)
    {
        var row = SharedCorpus.GroundTruth().Single(r => r.File == evtx);
        var path = SharedCorpus.Require($"corpus/{evtx}.xml");
        var (all, sysmon, rejected, _) = await ConvertAsync(new XmlEventReader(), path);
        rejected.Should().BeEmpty();
        all.Should().BeEquivalentTo(row.Ids);
        sysmon.Should().BeEquivalentTo(row.SysmonIds);
    }

    [Theory]
    [MemberData(nameof(JsonFiles))]
    public async Task Json_file_converts_every_record_with_the_ground_truth_counts(string json)
    {
        var row = SharedCorpus.GroundTruth().Single(r => r.File == json);
        var path = SharedCorpus.Require($"corpus/{json}");
        var (all, sysmon, rejected, timestamps) = await ConvertAsync(new JsonEventReader(), path);
        rejected.Should().BeEmpty();
        all.Should().BeEquivalentTo(row.Ids);
        sysmon.Should().BeEquivalentTo(row.SysmonIds);
        if (row.Notes.Contains("first/last = Sysmon EventData UtcTime", StringComparison.Ordinal) ||
            row.Notes.Contains("first/last = @timestamp (Sysmon UtcTime)", StringComparison.Ordinal))
        {
            // @timestamp comes from UtcTime, so its range is the ground truth's to the millisecond.
            timestamps.Min().Should().Be(Millis(row.First));
            timestamps.Max().Should().Be(Millis(row.Last));
        }
    }

    private static string Millis(string iso) =>
        SysmonTime.FormatMillis(DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal));
}
