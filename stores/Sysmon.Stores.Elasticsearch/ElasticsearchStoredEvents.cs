using System.Runtime.CompilerServices;
using System.Text.Json;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Pipeline;
using Sysmon.Stores.Elasticsearch.Connection;
using EsMethod = Elastic.Transport.HttpMethod;

namespace Sysmon.Stores.Elasticsearch;

/// <summary>
/// The events data stream read back (for `reindex`): a point in time over its backing indices, paged with search_after
/// in (@timestamp, event.id) order, each hit's _source read as an ECS document. A position is the hit's sort values as
/// JSON (<c>[1767607201123,"a1b2..."]</c>); event.id is unique, so a new run's search_after from it goes on at the next
/// event, whatever point in time it opens.
/// </summary>
public sealed class ElasticsearchStoredEvents(ElasticsearchConnection es, string index = Sysmon.Ingest.Names.EventsDataStream) : IStoredEventSource
{
    private const string KeepAlive = "5m";

    /// <summary>Hits per search (Elasticsearch's default window is 10,000; documents are 1-2 KB each).</summary>
    public int PageSize { get; init; } = 2_000;

    private static readonly object[] Sort =
    [
        new Dictionary<string, object> { ["@timestamp"] = new { order = "asc" } },
        new Dictionary<string, object> { ["event.id"] = new { order = "asc" } },
    ];

    public async Task<long> CountAsync(string? after, CancellationToken ct) =>
        await es.CountAsync(index, After(after), ct).ConfigureAwait(false) ?? 0;

    public async Task<string?> IdAtAsync(string position, CancellationToken ct)
    {
        var (millis, id) = TimeAndId(position);
        var query = new
        {
            @bool = new
            {
                filter = new object[]
                {
                    new { term = new Dictionary<string, object> { ["event.id"] = id } },
                    new { range = new Dictionary<string, object> { ["@timestamp"] = new { gte = millis, lte = millis, format = "epoch_millis" } } },
                },
            },
        };
        return await es.CountAsync(index, query, ct).ConfigureAwait(false) > 0 ? id : null;
    }

    public async IAsyncEnumerable<StoredEvent> ReadAsync(string? after, [EnumeratorCancellation] CancellationToken ct)
    {
        var opened = await es.SendAsync(EsMethod.POST, $"{index}/_pit?keep_alive={KeepAlive}", (string?)null, ct).ConfigureAwait(false);
        if (opened.Status == 404) yield break; // no events stored yet
        if (!opened.IsSuccess) throw es.Refused(EsMethod.POST, index + "/_pit", opened);
        string pit;
        using (var doc = NotJson.Parse(opened.Body, "_pit")) pit = doc.RootElement.GetProperty("id").GetString()!;
        var reader = new EcsJsonReader();
        var searchAfter = after is null ? null : Position(after);
        try
        {
            while (true)
            {
                var request = new Dictionary<string, object>
                {
                    ["size"] = PageSize,
                    ["pit"] = new { id = pit, keep_alive = KeepAlive },
                    ["sort"] = Sort,
                    ["track_total_hits"] = false,
                };
                if (searchAfter is not null) request["search_after"] = searchAfter;
                var response = await es.SendAsync(EsMethod.POST, "_search", JsonSerializer.Serialize(request), ct).ConfigureAwait(false);
                if (!response.IsSuccess) throw es.Refused(EsMethod.POST, "_search", response);
                var page = Page(response.Body, reader, out var nextPit);
                pit = nextPit ?? pit; // each answer may name the point in time anew; the newest is used
                if (page.Count == 0) yield break;
                foreach (var stored in page) yield return stored;
                searchAfter = Position(page[^1].Position);
            }
        }
        finally
        {
            await CloseAsync(pit).ConfigureAwait(false);
        }
    }

    // The events after a position: a later @timestamp, or the same one and a later event.id.
    private static object After(string? after)
    {
        if (after is null) return new { match_all = new { } };
        var (millis, id) = TimeAndId(after);
        return new
        {
            @bool = new
            {
                should = new object[]
                {
                    new { range = new Dictionary<string, object> { ["@timestamp"] = new { gt = millis, format = "epoch_millis" } } },
                    new
                    {
                        @bool = new
                        {
                            filter = new object[]
                            {
                                new { range = new Dictionary<string, object> { ["@timestamp"] = new { gte = millis, lte = millis, format = "epoch_millis" } } },
                                new { range = new Dictionary<string, object> { ["event.id"] = new { gt = id } } },
                            },
                        },
                    },
                },
                minimum_should_match = 1,
            },
        };
    }

    private static (long Millis, string Id) TimeAndId(string position) =>
        Position(position) is [JsonElement { ValueKind: JsonValueKind.Number } time, JsonElement { ValueKind: JsonValueKind.String } id]
            ? (time.GetInt64(), id.GetString()!)
            : throw new FormatException($"'{position}' is not a position in Elasticsearch's events (the sort values [@timestamp, event.id])");

    private static JsonElement[] Position(string position)
    {
        try
        {
            using var doc = JsonDocument.Parse(position);
            if (doc.RootElement.ValueKind == JsonValueKind.Array) return [.. doc.RootElement.EnumerateArray().Select(e => e.Clone())];
        }
        catch (JsonException)
        {
        }
        throw new FormatException($"'{position}' is not a position in Elasticsearch's events (the sort values [@timestamp, event.id])");
    }

    private static List<StoredEvent> Page(byte[] body, EcsJsonReader reader, out string? pit)
    {
        using var doc = NotJson.Parse(body, "_search");
        pit = doc.RootElement.TryGetProperty("pit_id", out var p) ? p.GetString() : null;
        var hits = doc.RootElement.GetProperty("hits").GetProperty("hits");
        var page = new List<StoredEvent>(hits.GetArrayLength());
        foreach (var hit in hits.EnumerateArray())
        {
            var sort = hit.GetProperty("sort");
            var position = sort.GetRawText();
            var positionId = sort.GetArrayLength() == 2 ? sort[1].GetString() : null; // the position is the hit's own
            var id = hit.GetProperty("_id").GetString() ?? "";
            var source = hit.GetProperty("_source");
            try
            {
                // The hit's own UTF-8 bytes: no string of each document made and encoded again.
                var stored = reader.Read(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(source));
                stored.Id ??= id;
                page.Add(new StoredEvent(position, id, stored) { PositionId = positionId });
            }
            catch (FormatException ex)
            {
                page.Add(new StoredEvent(position, id, null, ex.Message, source.GetRawText()) { PositionId = positionId });
            }
        }
        return page;
    }

    // The point in time is let go at once rather than left to expire; a failure to close is no reason to fail the copy.
    private async Task CloseAsync(string pit)
    {
        try
        {
            await es.SendAsync(EsMethod.DELETE, "_pit", JsonSerializer.Serialize(new { id = pit }), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ElasticsearchUnavailableException or ElasticsearchRequestException)
        {
        }
    }
}
