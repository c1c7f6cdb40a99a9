using FluentAssertions;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;
using Convert = Sysmon.Ingest.Tests.Fixtures.Convert;

namespace Sysmon.Ingest.Tests.Ecs;

/// <summary>
/// The mapper makes each document about as large as the last one of its event id: process creation and image loads
/// (65-70 fields) outgrew a fixed 64 slots and copied their list into one of 128, most other events used two thirds.
/// </summary>
public sealed class DocumentSizeTests
{
    [Fact]
    public async Task A_document_is_made_the_size_of_the_last_of_its_event_id()
    {
        var events = await Convert.EventsAsync(new JsonEventReader(), string.Concat(SampleEvents.All.Select(s => EventForms.Beats(s) + "\n")));
        var mapper = Convert.Mapper();
        foreach (var e in events) mapper.Map(e); // the first of each id: the default size

        foreach (var e in events)
        {
            var doc = mapper.Map(e);
            doc.Capacity.Should().BeGreaterThanOrEqualTo(doc.Count, "event {0}'s document did not have to grow", e.EventId);
            doc.Capacity.Should().BeLessThanOrEqualTo(doc.Count + 4, "event {0}'s document has room for a few added fields, not more", e.EventId);
        }
    }

    [Fact]
    public async Task Documents_of_one_id_keep_their_fields_whatever_the_size_of_the_one_before()
    {
        // A process creation without most of its data, then a full one: the second outgrows the first one's size
        // and keeps every field; mapping it again gives the same document.
        var full = (await Convert.EventsAsync(new JsonEventReader(), EventForms.Beats(SampleEvents.All.Single(s => s.Id == 1)) + "\n")).Single();
        var sparse = (await Convert.EventsAsync(new JsonEventReader(), EventForms.Beats(SampleEvents.All.Single(s => s.Id == 1) with
        {
            Data = [("UtcTime", "2026-01-05 10:00:01.123"), ("ProcessGuid", "{8f2a3c1e-5b6d-6a3f-2a01-000000001e00}"), ("ProcessId", "6256")],
        }) + "\n")).Single();
        var mapper = Convert.Mapper();
        var fresh = Sysmon.Ingest.Output.EcsJsonWriter.ToJson(Convert.Mapper().Map(full));

        var small = mapper.Map(sparse);
        var grown = mapper.Map(full);
        small.Count.Should().BeLessThan(grown.Count - 10);
        Sysmon.Ingest.Output.EcsJsonWriter.ToJson(grown).Should().Be(fresh);
        Sysmon.Ingest.Output.EcsJsonWriter.ToJson(mapper.Map(full)).Should().Be(fresh);
    }
}
