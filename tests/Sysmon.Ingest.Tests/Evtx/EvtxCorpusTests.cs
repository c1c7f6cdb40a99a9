using System.Globalization;
using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Evtx;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Tests.Fixtures;
using Sysmon.Ingest.Xml;
using Xunit;

namespace Sysmon.Ingest.Tests.Evtx;

/// <summary>
/// Every .evtx of the real corpus against GROUND_TRUTH.tsv (record count, counts per event id, first and last
/// TimeCreated) and, record by record, against the independent python-evtx rendering beside it (System fields,
/// and for Sysmon records the EventData pairs), allowing only that renderer's documented quirks.
/// </summary>
public sealed class EvtxCorpusTests
{
    public static TheoryData<string> EvtxFiles => SharedCorpus.Files(f => f.EndsWith(".evtx", StringComparison.Ordinal));

    public static async Task<(List<SysmonEvent> Events, List<ReadResult> Problems)> ReadAsync(string path, int? parallelism = null)
    {
        var events = new List<SysmonEvent>();
        var problems = new List<ReadResult>();
        await using var stream = File.OpenRead(path);
        await foreach (var r in new EvtxEventReader(parallelism).ReadAsync(stream, path, new ReaderOptions()))
        {
            if (r.Event is not null) events.Add(r.Event);
            else problems.Add(r);
        }
        return (events, problems);
    }

    [Theory]
    [MemberData(nameof(EvtxFiles))]
    public async Task Counts_and_time_range_equal_the_ground_truth(string file)
    {
        var row = SharedCorpus.GroundTruth().Single(r => r.File == file);
        var (events, problems) = await ReadAsync(SharedCorpus.Require($"corpus/{file}"));
        events.Should().HaveCount(row.Records);
        events.GroupBy(e => e.EventId).ToDictionary(g => g.Key, g => g.Count()).Should().BeEquivalentTo(row.Ids);
        var sysmon = events.Where(ChannelFilter.SysmonOnly.Accepts).GroupBy(e => e.EventId).ToDictionary(g => g.Key, g => g.Count());
        sysmon.Should().BeEquivalentTo(row.SysmonIds);
        SameTime(events.Min(e => e.TimeCreated!.Value), row.First);
        SameTime(events.Max(e => e.TimeCreated!.Value), row.Last);
        if (file.Contains("truncated", StringComparison.Ordinal))
        {
            problems.Should().ContainSingle(p => p.Rejected != null).Which.Rejected!.Reason.Should().Contain("file cut inside chunk 5");
        }
        else
        {
            problems.Where(p => p.Rejected is not null).Should().BeEmpty();
        }
    }

    private static void SameTime(DateTimeOffset actual, string truth)
    {
        var fraction = truth.Length - truth.IndexOf('.', StringComparison.Ordinal) - 2;
        if (fraction == 7)
        {
            SysmonTime.FormatTicks(actual).Should().Be(truth);
        }
        else
        {
            var expected = DateTimeOffset.Parse(truth, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
            (actual - expected).Duration().Should().BeLessThan(TimeSpan.FromMicroseconds(3));
        }
    }

    [Theory]
    [MemberData(nameof(EvtxFiles))]
    public async Task Every_record_equals_the_independent_xml_rendering(string file)
    {
        var path = SharedCorpus.Require($"corpus/{file}");
        var (events, _) = await ReadAsync(path);
        var reference = new List<SysmonEvent>();
        await using (var xml = File.OpenRead(path + ".xml"))
        {
            await foreach (var r in new XmlEventReader().ReadAsync(xml, path + ".xml", new ReaderOptions())) reference.Add(r.Event!);
        }
        var byRecord = events.ToDictionary(e => (e.RecordId, e.TimeCreated!.Value.UtcTicks / 100));
        reference.Should().HaveCount(events.Count);
        for (var i = 0; i < reference.Count; i++)
        {
            var expected = reference[i];
            var actual = events[i];
            var where = $"{file} record {expected.RecordId}";
            actual.RecordId.Should().Be(expected.RecordId, where);
            actual.EventId.Should().Be(expected.EventId, where);
            actual.Provider.Should().Be(expected.Provider, where);
            actual.ProviderGuid.Should().BeEquivalentTo(expected.ProviderGuid, where);
            actual.Version.Should().Be(expected.Version, where);
            actual.Level.Should().Be(expected.Level, where);
            actual.Task.Should().Be(expected.Task, where);
            actual.Opcode.Should().Be(expected.Opcode, where);
            SameValue(actual.Keywords ?? "", expected.Keywords ?? "").Should().BeTrue(where);
            actual.Channel.Should().Be(expected.Channel, where);
            actual.Computer.Should().Be(expected.Computer, where);
            actual.UserSid.Should().Be(expected.UserSid, where);
            actual.ExecutionProcessId.Should().Be(expected.ExecutionProcessId, where);
            actual.ExecutionThreadId.Should().Be(expected.ExecutionThreadId, where);
            (actual.TimeCreated!.Value - expected.TimeCreated!.Value).Duration().Should().BeLessThan(TimeSpan.FromMicroseconds(3), where);
            if (!ChannelFilter.SysmonOnly.Accepts(expected)) continue; // the two references disagree on non-Sysmon EventData
            actual.Data.Select(d => d.Key).Should().Equal(expected.Data.Select(d => d.Key), where);
            for (var d = 0; d < expected.Data.Count; d++)
            {
                SameValue(actual.Data[d].Value, expected.Data[d].Value).Should().BeTrue(
                    "{0} {1}: '{2}' vs python-evtx '{3}'", where, expected.Data[d].Key, actual.Data[d].Value, expected.Data[d].Value);
            }
        }
        byRecord.Should().HaveCount(events.Count, "record ids are unique");
    }

    // python-evtx's rendering quirks (corpus README): lower-case GUIDs, True/False, zero-padded hex; and XML
    // itself turns CR LF inside values into LF.
    private static bool SameValue(string actual, string expected)
    {
        actual = actual.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (actual == expected) return true;
        if (actual.StartsWith("0x", StringComparison.Ordinal) && expected.StartsWith("0x", StringComparison.Ordinal) &&
            ulong.TryParse(actual.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var a) &&
            ulong.TryParse(expected.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
        {
            return a == b;
        }
        var guidOrBool = (actual.StartsWith('{') && actual.EndsWith('}')) || actual is "true" or "false";
        return guidOrBool && string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase);
    }
}
