using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Sysmon.Enrich;
using Sysmon.Enrich.Feeds;
using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;
using Sysmon.Ingest;
using Sysmon.Ingest.Ecs;
using Sysmon.Queries;
using Sysmon.Stores.Elasticsearch.Connection;
using Sysmon.Stores.Elasticsearch.Writing;
using EsMethod = Elastic.Transport.HttpMethod;

namespace Sysmon.Stores.Elasticsearch.Indicators;

/// <summary>
/// The Elasticsearch <see cref="IIndicatorStore"/>. A refresh follows the order enrich needs: upsert the feed's
/// indicators by id (first_seen kept; new ones flagged <c>retro_hunt_pending</c> until hunted), delete those that left
/// the feed, refresh the index, then execute every sysmon-ioc-* policy (an enrich index is a snapshot), and only then
/// let the caller retro-hunt. Feed states live in <c>sysmon-feeds</c>, alerts in the data stream
/// <c>logs-sysmon.alerts-default</c>.
/// </summary>
public sealed class ElasticsearchIndicatorStore(ElasticsearchConnection es, BulkWriterOptions? bulk = null) : IIndicatorStore
{
    public static readonly string[] Policies = ["sysmon-ioc-ip", "sysmon-ioc-cidr", "sysmon-ioc-hash", "sysmon-ioc-domain"];
    private const int Page = 5000;

    private readonly BulkWriter _writer = new(es, bulk);

    public string EventsPattern { get; init; } = "logs-sysmon-*";

    public async Task<IReadOnlyList<FeedState>> ListFeedStatesAsync(CancellationToken ct)
    {
        var response = await es.SendAsync(EsMethod.POST, Names.FeedsIndex + "/_search", """{"size":1000,"sort":[{"name":"asc"}]}""", ct).ConfigureAwait(false);
        if (response.Status == 404) return [];
        if (!response.IsSuccess) throw es.Refused(EsMethod.POST, Names.FeedsIndex + "/_search", response);
        using var doc = NotJson.Parse(response.Body, "_search");
        return doc.RootElement.GetProperty("hits").GetProperty("hits").EnumerateArray()
            .Select(h => h.GetProperty("_source").GetProperty("state").Deserialize<FeedState>()!).ToList();
    }

    public async Task<FeedState?> GetFeedStateAsync(string feed, CancellationToken ct)
    {
        var response = await es.SendAsync(EsMethod.GET, $"{Names.FeedsIndex}/_doc/{Uri.EscapeDataString(feed)}", (string?)null, ct).ConfigureAwait(false);
        if (response.Status == 404) return null;
        if (!response.IsSuccess) throw es.Refused(EsMethod.GET, Names.FeedsIndex + "/_doc", response);
        using var doc = NotJson.Parse(response.Body, "_doc");
        return doc.RootElement.GetProperty("_source").GetProperty("state").Deserialize<FeedState>();
    }

    public async Task SaveFeedStateAsync(FeedState state, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new { name = state.Name, state });
        await SendRequiredAsync(EsMethod.PUT, $"{Names.FeedsIndex}/_doc/{Uri.EscapeDataString(state.Name)}?refresh=true", body, ct).ConfigureAwait(false);
    }

    public async Task<FeedReplacement> ReplaceFeedAsync(string feed, IndicatorSource indicators, DateTimeOffset now, CancellationToken ct)
    {
        var existing = await ReadFeedAsync(feed, ct).ConfigureAwait(false);
        var nowText = HuntValue.ToText(now)!;
        // Written a batch at a time as the source hands them over (a million hashes as documents held 2.2 GB). A source
        // that throws at its end (a payload found bad) or a write that fails leaves the feed's set as it was: the ones it
        // added (first seen now) are deleted again; the ones it shares with that set keep their first_seen and pending
        // flag. The new ones are not kept as a set of ids (a million: ~200 MB): the index counts them.
        var allowListed = new HashSet<string>(StringComparer.Ordinal);
        var kept = 0;
        var wroteNew = false;
        var batch = new List<EcsDocument>(ReplaceBatch);
        try
        {
            await foreach (var i in indicators.ReadAsync(ReplaceBatch, ct).ConfigureAwait(false))
            {
                if (ToDocument(i) is not { } doc) continue;
                batch.Add(doc);
                if (batch.Count == ReplaceBatch) await WriteIndicatorsAsync(feed, batch, ct).ConfigureAwait(false);
            }
            if (batch.Count > 0) await WriteIndicatorsAsync(feed, batch, ct).ConfigureAwait(false);
        }
        catch (Exception) when (wroteNew)
        {
            await DeleteAddedAsync(feed, nowText).ConfigureAwait(false);
            throw;
        }
        var expired = existing.Where(e => !e.Value.Seen).Select(e => e.Key).ToList();
        for (var start = 0; start < expired.Count; start += 10_000)
        {
            var body = JsonSerializer.Serialize(new { query = new { ids = new { values = expired.Skip(start).Take(10_000) } } });
            await SendRequiredAsync(EsMethod.POST, Names.IndicatorsIndex + "/_delete_by_query?conflicts=proceed", body, ct).ConfigureAwait(false);
        }
        await SendRequiredAsync(EsMethod.POST, Names.IndicatorsIndex + "/_refresh", null, ct).ConfigureAwait(false);
        var added = wroteNew ? await CountAsync(AddedQuery(feed, nowText), ct).ConfigureAwait(false) : 0;
        // Enrich indices are snapshots: without this, ENRICH and the sysmon-enrich pipeline keep seeing the old set.
        foreach (var policy in Policies) await SendRequiredAsync(EsMethod.PUT, $"_enrich/policy/{policy}/_execute", null, ct).ConfigureAwait(false);
        return new FeedReplacement(kept + added + allowListed.Count, added);

        // The indicator's document, or null when it is allow-listed (never indexed: an enrich policy cannot apply the
        // allow-list, but it is counted as listed) or listed twice (a new one listed twice is written twice, the same
        // document under the same id).
        EcsDocument? ToDocument(Indicator i)
        {
            if (IndicatorDocument.IsAllowListed(i))
            {
                allowListed.Add(i.Id);
                return null;
            }
            ref var known = ref CollectionsMarshal.GetValueRefOrNullRef(existing, i.Id);
            if (Unsafe.IsNullRef(ref known))
            {
                // New, or back after it had left: pending its retro-hunt.
                wroteNew = true;
                return IndicatorDocument.From(i, nowText, nowText, retroHuntPending: true);
            }
            if (known.Seen) return null;
            known.Seen = true;
            kept++;
            // Still flagged when a hunt that an earlier refresh (in any process) started has not finished: the flag goes
            // only once the retro-hunt has stored its alerts.
            return IndicatorDocument.From(i, known.FirstSeen ?? nowText, nowText, retroHuntPending: known.Pending);
        }
    }

    // The feed's indicators this refresh added: first seen now (an indicator that left and came back is new again).
    internal static Dictionary<string, object> AddedQuery(string feed, string nowText) => FeedAnd(feed, "threat.indicator.first_seen", nowText);

    private async Task<int> CountAsync(Dictionary<string, object> query, CancellationToken ct) =>
        checked((int)(await es.CountAsync(Names.IndicatorsIndex, query, ct).ConfigureAwait(false) ?? throw SetupMissing(Names.IndicatorsIndex)));

    /// <summary>Indicators a refresh writes in one bulk batch (and holds at most, besides those the parse has ready).</summary>
    internal int ReplaceBatch { get; init; } = 10_000;

    // What the index holds of a feed's indicators: first_seen (one string per distinct time: a feed's indicators mostly
    // share the refresh that first listed them), whether a hunt is pending, and whether this refresh lists it again.
    private struct Known
    {
        public string? FirstSeen;
        public bool Pending;
        public bool Seen;
    }

    private async Task<Dictionary<string, Known>> ReadFeedAsync(string feed, CancellationToken ct)
    {
        var existing = new Dictionary<string, Known>(StringComparer.Ordinal);
        var times = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var hit in ScanAsync(FeedQuery(feed), ["indicator_id", "threat.indicator.first_seen", IndicatorDocument.PendingField], ct).ConfigureAwait(false))
        {
            var firstSeen = SourceFields.String(hit, "threat.indicator.first_seen");
            if (firstSeen is not null)
            {
                if (times.TryGetValue(firstSeen, out var same)) firstSeen = same;
                else times[firstSeen] = firstSeen;
            }
            existing[SourceFields.String(hit, "indicator_id")!] = new Known { FirstSeen = firstSeen, Pending = IndicatorDocument.IsPending(hit) };
        }
        return existing;
    }

    private async Task WriteIndicatorsAsync(string feed, List<EcsDocument> batch, CancellationToken ct)
    {
        var outcome = await _writer.WriteAsync(Names.IndicatorsIndex, batch, ct, BulkAction.Index).ConfigureAwait(false);
        batch.Clear();
        if (outcome.Rejected.Count == 0) return;
        var reason = outcome.Rejected[0].Reason;
        // An index set up by an older version lacks a field this one writes (its mapping is strict).
        var hint = reason.Contains("strict_dynamic_mapping_exception", StringComparison.Ordinal)
            ? "; run 'sysmon-elastic setup elasticsearch' to bring the index's mappings up to date" : "";
        throw new ElasticsearchRequestException($"{Names.IndicatorsIndex} refused {outcome.Rejected.Count} indicator(s) of feed {feed}: {reason}{hint}", 400);
    }

    // Takes back what a failed refresh added, also when the refresh was cancelled (the process is stopping): the
    // feed's indicators first seen now, once the index shows every write. When the cluster refuses that too, the
    // original failure is the one reported; the leftovers are not in the enrich snapshot yet, and the next good refresh
    // deletes them unless the feed lists them.
    private async Task DeleteAddedAsync(string feed, string nowText)
    {
        try
        {
            await SendRequiredAsync(EsMethod.POST, Names.IndicatorsIndex + "/_refresh", null, CancellationToken.None).ConfigureAwait(false);
            var body = JsonSerializer.Serialize(new { query = AddedQuery(feed, nowText) });
            await SendRequiredAsync(EsMethod.POST, Names.IndicatorsIndex + "/_delete_by_query?conflicts=proceed&refresh=true", body, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ElasticsearchRequestException or ElasticsearchUnavailableException or HttpRequestException or IOException
                                       or TaskCanceledException)
        {
        }
    }

    private static Dictionary<string, object> FeedQuery(string feed) => Term("threat.feed.name", feed);

    private static Dictionary<string, object> Term(string field, object value) =>
        new() { ["term"] = new Dictionary<string, object> { [field] = value } };

    // The feed's indicators whose field has the value.
    private static Dictionary<string, object> FeedAnd(string feed, string field, object value) =>
        new() { ["bool"] = new Dictionary<string, object> { ["filter"] = new object[] { FeedQuery(feed), Term(field, value) } } };

    /// <summary>A feed's indicators still flagged for the retro-hunt: the flag is in the index, so that a hunt a crash,
    /// stop or restart cut short is run by the next refresh, from any process.</summary>
    internal static Dictionary<string, object> PendingQuery(string feed) => FeedAnd(feed, IndicatorDocument.PendingField, true);

    public async Task<SkippedIndicators> ReadActiveAsync(Action<Indicator> each, CancellationToken ct)
    {
        var skipped = new SkippedIndicators();
        await foreach (var hit in ScanAsync(new Dictionary<string, object> { ["match_all"] = new { } }, null, ct).ConfigureAwait(false))
        {
            var kind = SourceFields.String(hit, "kind");
            if (!IndicatorTypes.TryParseStored(kind, out var type))
            {
                skipped = skipped.Add(kind, SourceFields.String(hit, "value"), SourceFields.String(hit, "threat.feed.name"));
                continue;
            }
            each(ToIndicator(hit, type));
        }
        return skipped;
    }

    private static Indicator ToIndicator(JsonElement hit, IndicatorType type) =>
        new(type, SourceFields.String(hit, "value")!, SourceFields.String(hit, "threat.feed.name")!)
        {
            Confidence = SourceFields.String(hit, "threat.indicator.confidence"),
            Tlp = SourceFields.String(hit, "threat.indicator.marking.tlp"),
            Reference = SourceFields.String(hit, "threat.indicator.reference"),
            Description = SourceFields.String(hit, "threat.indicator.description"),
        };

    public async Task<IReadOnlyList<Alert>> WriteAlertsAsync(IReadOnlyList<Alert> alerts, CancellationToken ct)
    {
        if (alerts.Count == 0) return [];
        // One document per id: a second copy in the same request would come back as a 409 anyway.
        var unique = alerts.DistinctBy(a => a.Id, StringComparer.Ordinal).ToList();
        var docs = unique.Select(IndicatorDocument.From).ToList();
        var outcome = await _writer.WriteAsync(Names.AlertsDataStream, docs, ct).ConfigureAwait(false);
        if (outcome.Rejected.Count > 0)
        {
            throw new ElasticsearchRequestException($"{Names.AlertsDataStream} refused {outcome.Rejected.Count} alert(s): {outcome.Rejected[0].Reason}", 400);
        }
        return outcome.StoredPositions.Select(p => unique[p]).ToList();
    }

    /// <summary>
    /// Finds stored events since <paramref name="since"/> whose addresses, hashes or domains match the indicators
    /// (<c>terms</c> on ip fields match CIDRs too), then matches each found event with the same tagger as at ingest,
    /// so the allow-list and the matched fields are exactly the ingest rules. The indicators are searched for
    /// <see cref="RetroHuntChunk"/> at a time (a terms query takes at most 65,536 values), each chunk's events
    /// matched by that chunk's indicators only, so that no match is made twice; the alerts are stored a batch at a
    /// time as they are made. The indicators are the feed's flagged ones, read from the index a chunk at a time; a
    /// chunk's flags go once its alerts are stored.
    /// </summary>
    public async Task<RetroHuntOutcome> RetroHuntAsync(string feed, DateTimeOffset since, Action<Alert>? raised, CancellationToken ct)
    {
        long matches = 0, stored = 0;
        var batch = new List<Alert>(RetroHuntBatch);
        var chunk = new List<Indicator>(RetroHuntChunk);
        var ids = new List<string>(RetroHuntChunk);
        // Sorted by id, paged with search_after: clearing the flags of a hunted chunk does not move the pages still to come.
        await foreach (var hit in ScanAsync(PendingQuery(feed), null, ct).ConfigureAwait(false))
        {
            // A kind this version does not read (a later one wrote it) stays flagged for that version.
            if (!IndicatorTypes.TryParseStored(SourceFields.String(hit, "kind"), out var type)) continue;
            chunk.Add(ToIndicator(hit, type));
            ids.Add(SourceFields.String(hit, "indicator_id")!);
            if (chunk.Count == RetroHuntChunk) await HuntChunkAsync().ConfigureAwait(false);
        }
        if (chunk.Count > 0) await HuntChunkAsync().ConfigureAwait(false);
        return new RetroHuntOutcome(matches, stored);

        async Task HuntChunkAsync()
        {
            var set = new IndicatorSet(chunk, null, matchParentDomains: false);
            var tagger = new EventTagger(() => set);
            await foreach (var hit in ScanAsync(RetroHuntQuery(chunk, since), RetroHuntFields, ct, EventsPattern, ["@timestamp", "event.id"]).ConfigureAwait(false))
            {
                var doc = new EcsDocument { Id = SourceFields.String(hit, "event.id") };
                foreach (var field in RetroHuntFields)
                {
                    if (SourceFields.String(hit, field) is { } value) doc.Set(field, value);
                }
                foreach (var alert in tagger.Tag(doc) ?? []) batch.Add(alert with { Source = "retro-hunt" });
                if (batch.Count >= RetroHuntBatch) await StoreAsync().ConfigureAwait(false);
            }
            // The chunk's alerts are stored before its flags go: a hunt cut short anywhere leaves its indicators pending,
            // and the next hunt stores only the alerts not stored yet (an alert's id is its event, field and indicator).
            if (batch.Count > 0) await StoreAsync().ConfigureAwait(false);
            await ClearPendingAsync(ids, ct).ConfigureAwait(false);
            chunk.Clear();
            ids.Clear();
        }

        async Task StoreAsync()
        {
            matches += batch.Count;
            var fresh = await WriteAlertsAsync(batch, ct).ConfigureAwait(false);
            foreach (var alert in fresh) raised?.Invoke(alert);
            batch.Clear();
            stored += fresh.Count;
        }
    }

    public async Task<IReadOnlyDictionary<string, long>> CountPendingRetroHuntsAsync(CancellationToken ct)
    {
        const string path = Names.IndicatorsIndex + "/_search";
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["size"] = 0,
            ["query"] = Term(IndicatorDocument.PendingField, true),
            ["aggs"] = new { feeds = new { terms = new { field = "threat.feed.name", size = 10_000 } } },
        });
        var response = await es.SendAsync(EsMethod.POST, path, body, ct).ConfigureAwait(false);
        if (response.Status == 404) return new Dictionary<string, long>();
        if (!response.IsSuccess) throw es.Refused(EsMethod.POST, path, response);
        using var result = NotJson.Parse(response.Body, "_search");
        return result.RootElement.GetProperty("aggregations").GetProperty("feeds").GetProperty("buckets").EnumerateArray()
            .ToDictionary(b => b.GetProperty("key").GetString()!, b => b.GetProperty("doc_count").GetInt64(), StringComparer.Ordinal);
    }

    // Drops the flag from hunted indicators. A version conflict means a refresh wrote the document meanwhile (carrying
    // the flag over): it stays pending and is hunted again, which stores nothing twice.
    private async Task ClearPendingAsync(List<string> ids, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["query"] = new { ids = new { values = ids } },
            ["script"] = new { source = $"ctx._source.remove('{IndicatorDocument.PendingField}')", lang = "painless" },
        });
        const string path = Names.IndicatorsIndex + "/_update_by_query?conflicts=proceed&refresh=true";
        var response = await es.SendAsync(EsMethod.POST, path, body, ct).ConfigureAwait(false);
        if (response.Status == 404) throw SetupMissing(Names.IndicatorsIndex);
        if (!response.IsSuccess) throw es.Refused(EsMethod.POST, path, response);
        using var result = NotJson.Parse(response.Body, "_update_by_query");
        if (result.RootElement.TryGetProperty("failures", out var failures) && failures.GetArrayLength() > 0)
        {
            throw new ElasticsearchRequestException($"POST {path} on {es.DisplayUrl}: {failures.GetArrayLength()} failure(s), first: {failures[0].GetRawText()}", 500);
        }
    }

    /// <summary>Indicators a retro-hunt searches for in one query.</summary>
    internal int RetroHuntChunk { get; init; } = 10_000;

    /// <summary>Alerts a retro-hunt holds before it stores them (one bulk request).</summary>
    internal int RetroHuntBatch { get; init; } = 5_000;

    // What an alert names, and the fields the ingest tagger matches.
    private static readonly string[] RetroHuntFields =
        ["@timestamp", "event.id", "event.code", "host.name", .. EventTagger.IpFields, .. EventTagger.HashFields, .. EventTagger.DomainFields];

    internal static Dictionary<string, object> RetroHuntQuery(IReadOnlyList<Indicator> indicators, DateTimeOffset since)
    {
        var ips = indicators.Select(IndicatorDocument.Range).OfType<string>().ToList();
        var hashes = indicators.Where(i => i.Type.MatchedAs() == MatchKind.Hash).Select(i => i.Value).ToList();
        var domains = indicators.Where(i => i.Type.MatchedAs() == MatchKind.Domain).Select(i => i.Value).ToList();
        var should = new List<object>();
        void Terms(string field, List<string> values)
        {
            if (values.Count > 0) should.Add(new Dictionary<string, object> { ["terms"] = new Dictionary<string, object> { [field] = values } });
        }
        foreach (var f in EventTagger.IpFields) Terms(f, ips);
        foreach (var f in EventTagger.HashFields) Terms(f, hashes);
        foreach (var f in EventTagger.DomainFields) Terms(f, domains);
        return new Dictionary<string, object>
        {
            ["bool"] = new Dictionary<string, object>
            {
                ["filter"] = new object[] { new Dictionary<string, object> { ["range"] = new Dictionary<string, object> { ["@timestamp"] = new { gte = HuntValue.ToText(since) } } } },
                ["should"] = should,
                ["minimum_should_match"] = 1,
            },
        };
    }

    // Pages through every hit with search_after on a sort that ends in a unique field (sorting on _id is disabled
    // by default), one page in memory.
    private async IAsyncEnumerable<JsonElement> ScanAsync(object query, string[]? source, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct,
        string index = Names.IndicatorsIndex, string[]? sort = null)
    {
        object[]? after = null;
        var order = (sort ?? ["indicator_id"]).Select(f => (object)new Dictionary<string, string> { [f] = "asc" }).ToArray();
        while (true)
        {
            var body = new Dictionary<string, object> { ["size"] = Page, ["query"] = query, ["sort"] = order };
            if (source is not null) body["_source"] = source;
            if (after is not null) body["search_after"] = after;
            var response = await es.SendAsync(EsMethod.POST, index + "/_search", JsonSerializer.Serialize(body), ct).ConfigureAwait(false);
            if (response.Status == 404 && index == Names.IndicatorsIndex) throw SetupMissing(index);
            if (response.Status == 404) yield break;
            if (!response.IsSuccess) throw es.Refused(EsMethod.POST, index + "/_search", response);
            // Each hit is read by the caller before the next is asked for; the page is released after its last hit.
            using var page = NotJson.Parse(response.Body, "_search");
            var hits = page.RootElement.GetProperty("hits").GetProperty("hits");
            foreach (var hit in hits.EnumerateArray()) yield return hit.GetProperty("_source");
            if (hits.GetArrayLength() < Page) yield break;
            after = hits[hits.GetArrayLength() - 1].GetProperty("sort").EnumerateArray().Select(v => (object)v.Clone()).ToArray();
        }
    }

    private async Task SendRequiredAsync(EsMethod method, string path, string? body, CancellationToken ct)
    {
        var response = await es.SendAsync(method, path, body, ct).ConfigureAwait(false);
        if (response.Status == 404 && path.StartsWith("sysmon-", StringComparison.Ordinal)) throw SetupMissing(path.Split('/')[0]);
        if (!response.IsSuccess) throw es.Refused(method, path, response);
    }

    private ElasticsearchRequestException SetupMissing(string index) =>
        new($"index {index} does not exist on {es.DisplayUrl}: run 'sysmon-elastic setup elasticsearch' first", 404);
}
