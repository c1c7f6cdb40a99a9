using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Output;
using Sysmon.Ingest.Pipeline;
using Xunit;
using TempDirectory = Sysmon.Ingest.Tests.Fixtures.TempDirectory;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>Stored events read back (for `reindex`): each is the document the mapper made, in row order, and a read
/// after a position goes on from there.</summary>
public sealed class DuckDbStoredEventsTests : IDisposable
{
    private readonly TempDirectory _temp = new("sysmon-stored-events-tests");

    private string Dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The sample events (one per Sysmon event id), copied `copies` times under new ids; the network one tagged.
    private async Task<List<EcsDocument>> DocumentsAsync(int copies)
    {
        var docs = new List<EcsDocument>();
        for (var copy = 0; copy < copies; copy++)
        {
            foreach (var doc in await Sysmon.Ingest.Tests.Fixtures.Convert.MappedSamplesAsync(Path.Combine(Dir, "samples.ndjson")))
            {
                doc.Id += "-" + copy;
                doc.Set("event.id", doc.Id!);
                if (doc.GetString("event.code") == "3")
                {
                    var enrichment = new EcsDocument();
                    enrichment.Set("matched.atomic", doc.GetString("destination.ip")!);
                    enrichment.Set("matched.field", "destination.ip");
                    enrichment.Set("indicator.provider", "test-feed");
                    doc.Set("threat.enrichments", EcsValue.Of([enrichment]));
                }
                docs.Add(doc);
            }
        }
        return docs;
    }

    private static async Task StoreAsync(DuckDbStore store, IReadOnlyList<EcsDocument> docs)
    {
        await using var sink = new DuckDbEventSink(store);
        (await sink.WriteAsync(docs, Ct)).Stored.Should().Be(docs.Count);
    }

    private static async Task<List<StoredEvent>> ReadAllAsync(IStoredEventSource source, string? after = null)
    {
        var read = new List<StoredEvent>();
        await foreach (var e in source.ReadAsync(after, Ct)) read.Add(e);
        return read;
    }

    [Fact]
    public async Task Every_stored_event_reads_back_as_the_document_the_mapper_made()
    {
        var docs = await DocumentsAsync(1);
        using var store = DuckDbStore.Open(Path.Combine(Dir, "s.duckdb"));
        await StoreAsync(store, docs);

        var read = await ReadAllAsync(new DuckDbStoredEvents(store));

        read.Should().HaveCount(docs.Count);
        read.Should().OnlyContain(e => e.Error == null);
        var byId = read.ToDictionary(e => e.Id, e => e.Document!);
        foreach (var doc in docs)
        {
            // Columns, doc and the views' host.os put together: the same JSON, byte for byte.
            EcsJsonWriter.ToJson(byId[doc.Id!]).Should().Be(EcsJsonWriter.ToJson(doc), $"event {doc.GetString("event.code")}");
            byId[doc.Id!].Id.Should().Be(doc.Id);
        }
        read.Select(e => long.Parse(e.Position, System.Globalization.CultureInfo.InvariantCulture)).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task A_read_after_a_position_goes_on_from_its_page_and_sees_rows_stored_since()
    {
        var docs = await DocumentsAsync(3);
        using var store = DuckDbStore.Open(Path.Combine(Dir, "s.duckdb"));
        await StoreAsync(store, docs[..60]);
        var source = new DuckDbStoredEvents(store) { PageRows = 7 };

        var all = await ReadAllAsync(source);
        all.Select(e => e.Id).Should().BeEquivalentTo(docs[..60].Select(d => d.Id));
        // Page by page: a page's last event carries the page's end, the others the position before their page.
        all.Select(e => e.Position).Should().Equal(Enumerable.Range(0, 60).Select(i =>
            (i % 7 == 6 || i == 59 ? i : i / 7 * 7 - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));

        // Each event knows the id stored at its position, as the store answers it: a checkpoint saves it, and a run
        // going on from that checkpoint asks again, to tell a store replaced at the same path.
        foreach (var e in all) e.PositionId.Should().Be(await source.IdAtAsync(e.Position, Ct), $"position {e.Position}");
        all[0].PositionId.Should().BeNull("nothing is stored before the first event");
        (await ReadAllAsync(source, all[20].Position)).Should().OnlyContain(e => e.PositionId != null);

        // After a page's end: exactly the events after it.
        var pageEnd = all[20].Position;
        pageEnd.Should().Be("20");
        (await source.CountAsync(pageEnd, Ct)).Should().Be(39);
        (await ReadAllAsync(source, pageEnd)).Select(e => e.Id).Should().Equal(all.Skip(21).Select(e => e.Id));
        // After an event inside a page: its page again (the destination skips what it holds), then the rest.
        var midPage = all[17].Position;
        (await ReadAllAsync(source, midPage)).Select(e => e.Id).Should().Equal(all.Skip(14).Select(e => e.Id));

        await StoreAsync(store, docs[60..]);
        var rest = await ReadAllAsync(source, all[^1].Position);
        rest.Select(e => e.Id).Should().BeEquivalentTo(docs[60..].Select(d => d.Id));
        (await source.CountAsync(null, Ct)).Should().Be(docs.Count);
    }

    [Fact]
    public async Task A_read_stopped_early_lets_the_store_go()
    {
        var docs = await DocumentsAsync(15);
        using var store = DuckDbStore.Open(Path.Combine(Dir, "s.duckdb"));
        await StoreAsync(store, docs);
        var taken = 0;
        await foreach (var e in new DuckDbStoredEvents(store) { PageRows = 7 }.ReadAsync(null, Ct))
        {
            if (++taken == 3) break; // the reading thread, 256 documents ahead at most, is stopped and leaves the store
        }
        var count = Task.Run(() => store.Count(), Ct);
        (await Task.WhenAny(count, Task.Delay(TimeSpan.FromSeconds(30), Ct))).Should().BeSameAs(count, "the store's gate is free again");
        (await count).Should().Be(docs.Count);
    }

    [Fact]
    public async Task A_row_that_does_not_read_back_is_returned_with_its_reason_and_text_and_the_rest_read_on()
    {
        var docs = await DocumentsAsync(1);
        using var store = DuckDbStore.Open(Path.Combine(Dir, "s.duckdb"));
        await StoreAsync(store, docs);
        using (store.Enter())
        {
            using var cmd = store.Connection.CreateCommand();
            cmd.CommandText = $"UPDATE events SET doc = '[\"not an object\"]' WHERE id = '{docs[4].Id}'";
            cmd.ExecuteNonQuery().Should().Be(1);
        }

        var read = await ReadAllAsync(new DuckDbStoredEvents(store));

        read.Should().HaveCount(docs.Count);
        var bad = read.Single(e => e.Error != null);
        bad.Id.Should().Be(docs[4].Id);
        bad.Document.Should().BeNull();
        bad.Error.Should().Contain("not a JSON object");
        bad.Stored.Should().Be("[\"not an object\"]");
    }

    [Fact]
    public async Task A_position_that_is_not_a_row_number_is_refused()
    {
        using var store = DuckDbStore.Open(Path.Combine(Dir, "s.duckdb"));
        var read = () => ReadAllAsync(new DuckDbStoredEvents(store), "[1700000000000,\"abc\"]");
        await read.Should().ThrowAsync<FormatException>().WithMessage("*not a position in a DuckDB store*");
        (await ReadAllAsync(new DuckDbStoredEvents(store))).Should().BeEmpty("an empty store has nothing to read");
    }
}
