using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;
using Sysmon.Enrich;
using Sysmon.Enrich.Feeds;
using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;
using Sysmon.Ingest;
using Sysmon.Stores.DuckDb.Loading;
using Sysmon.Stores.DuckDb.Schema;
using Sysmon.Queries;

namespace Sysmon.Stores.DuckDb;

/// <summary>Indicators, feed state and alerts in the embedded store; the retro-hunt is SQL over events_ecs.</summary>
public sealed class DuckDbIndicatorStore(DuckDbStore store) : IIndicatorStore
{
    private DuckDBConnection Connection => store.Connection;

    // The store's one connection is shared with the ingest side: every operation holds its gate.
    public Task<IReadOnlyList<FeedState>> ListFeedStatesAsync(CancellationToken ct) { using (store.Enter()) return ListFeedStatesAsyncCore(ct); }
    public Task<FeedState?> GetFeedStateAsync(string feed, CancellationToken ct) { using (store.Enter()) return GetFeedStateAsyncCore(feed, ct); }
    public Task SaveFeedStateAsync(FeedState state, CancellationToken ct) { using (store.Enter()) return SaveFeedStateAsyncCore(state, ct); }
    public Task<FeedReplacement> ReplaceFeedAsync(string feed, IndicatorSource indicators, DateTimeOffset now, CancellationToken ct) { using (store.Enter()) return store.UnderLoadSettings(() => ReplaceFeedAsyncCore(feed, indicators, now, ct)); }
    public Task<SkippedIndicators> ReadActiveAsync(Action<Indicator> each, CancellationToken ct) { using (store.Enter()) return ReadActiveAsyncCore(each, ct); }
    public Task<IReadOnlyList<Alert>> WriteAlertsAsync(IReadOnlyList<Alert> alerts, CancellationToken ct) { using (store.Enter()) return WriteAlertsAsyncCore(alerts, ct); }
    public Task<RetroHuntOutcome> RetroHuntAsync(string feed, DateTimeOffset since, Action<Alert>? raised, CancellationToken ct) { using (store.Enter()) return RetroHuntUnderLoadSettings(feed, since, raised, ct); }
    public Task<IReadOnlyDictionary<string, long>> CountPendingRetroHuntsAsync(CancellationToken ct) { using (store.Enter()) return CountPendingRetroHuntsAsyncCore(); }

    /// <summary>Alerts a retro-hunt holds before it stores them.</summary>
    internal int RetroHuntBatch { get; init; } = 10_000;

    private Task<IReadOnlyList<FeedState>> ListFeedStatesAsyncCore(CancellationToken ct)
    {
        var states = new List<FeedState>();
        using var cmd = Connection.CreateCommand();
        cmd.CommandText = "SELECT state FROM feed_state ORDER BY name";
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) states.Add(JsonSerializer.Deserialize<FeedState>(reader.GetString(0))!);
        return Task.FromResult<IReadOnlyList<FeedState>>(states);
    }

    private Task<IReadOnlyDictionary<string, long>> CountPendingRetroHuntsAsyncCore()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        using var cmd = Connection.CreateCommand();
        cmd.CommandText = $"SELECT feed, count(*) FROM {DuckDbSchema.RetroHuntPendingTable} GROUP BY feed";
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) counts[reader.GetString(0)] = reader.GetInt64(1);
        return Task.FromResult<IReadOnlyDictionary<string, long>>(counts);
    }

    private Task<FeedState?> GetFeedStateAsyncCore(string feed, CancellationToken ct)
    {
        using var cmd = Connection.CreateCommand();
        cmd.CommandText = "SELECT state FROM feed_state WHERE name = $name";
        cmd.Parameters.Add(new DuckDBParameter("name", feed));
        return Task.FromResult(cmd.ExecuteScalar() is string json ? JsonSerializer.Deserialize<FeedState>(json) : null);
    }

    private Task SaveFeedStateAsyncCore(FeedState state, CancellationToken ct)
    {
        using var cmd = Connection.CreateCommand();
        cmd.CommandText = "INSERT OR REPLACE INTO feed_state VALUES ($name, $state)";
        cmd.Parameters.Add(new DuckDBParameter("name", state.Name));
        cmd.Parameters.Add(new DuckDBParameter("state", JsonSerializer.Serialize(state)));
        cmd.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    private Task<FeedReplacement> ReplaceFeedAsyncCore(string feed, IndicatorSource indicators, DateTimeOffset now, CancellationToken ct)
    {
        using var tx = Connection.BeginTransaction();
        DuckDbSchema.Execute(Connection, "DROP TABLE IF EXISTS temp.feed_staging");
        DuckDbSchema.Execute(Connection, $"CREATE TEMP TABLE feed_staging AS SELECT *, 0 AS pos FROM {Names.IndicatorsTable} LIMIT 0");
        var seen = now.UtcDateTime;
        // Staged as the source hands them over (a parser reading the payload): the feed is never held as a list.
        // A source that throws leaves the transaction uncommitted, and the feed's set as it was.
        var pos = 0;
        using (var appender = Connection.CreateAppender("temp", "main", "feed_staging"))
        {
            indicators(i =>
            {
                if ((pos & 0xFFFF) == 0) ct.ThrowIfCancellationRequested();
                var range = IpRange(i);
                var row = appender.CreateRow().AppendValue(i.Id).AppendValue(i.Type.ToString()).AppendValue(i.Type.EcsName()).AppendValue(i.Value);
                if (range is { } r) row = row.AppendValue(r.First).AppendValue(r.Last);
                else row = row.AppendNullValue().AppendNullValue();
                row.AppendValue(feed).AppendValue(i.Confidence).AppendValue(i.Tlp).AppendValue(i.Reference).AppendValue(i.Description)
                    .AppendValue(seen).AppendValue(seen).AppendValue(false).AppendValue(pos++).EndRow();
            });
        }
        // Between the statements too (each runs to its end): a worker told to stop rolls the replace back sooner.
        ct.ThrowIfCancellationRequested();
        // A feed that lists an indicator twice stores it once (the table has no key to refuse the second); the first
        // is kept. Found by DuckDB: a set of a million (type, value) pairs here was ~60 MB.
        var repeats = DuckDbSchema.Execute(Connection, """
            DELETE FROM temp.feed_staging WHERE pos IN (
              SELECT pos FROM temp.feed_staging QUALIFY row_number() OVER (PARTITION BY id ORDER BY pos) > 1)
            """);
        var count = pos - repeats;
        // New, or back after being expired: found by DuckDB (the stored ids are not read back into a set of strings,
        // ~200 MB for 1,000,000 hashes) and kept as pending the feed's retro-hunt, which reads them from there. Read back
        // as a list of indicators for it instead, a first pull of 1,000,000 hashes peaked at 580-640 MB, not ~375 MB.
        // Those that left the feed are no longer pending (a pending one is always in the feed's set, so no new one is
        // pending already). Only when some are pending (rarely): the join over the staged ids cost a 1M-hash refresh
        // 30-50 MB more.
        ct.ThrowIfCancellationRequested();
        if (AnyPending(feed))
        {
            ExecuteForFeed($"DELETE FROM {DuckDbSchema.RetroHuntPendingTable} WHERE feed = $feed AND id NOT IN (SELECT id FROM temp.feed_staging)", feed);
        }
        var added = ExecuteForFeed($"""
            INSERT INTO {DuckDbSchema.RetroHuntPendingTable}
            SELECT $feed, id, kind, value, ip_first, "threat.indicator.confidence", "threat.indicator.marking.tlp",
                   "threat.indicator.reference", "threat.indicator.description"
            FROM temp.feed_staging WHERE id NOT IN (SELECT id FROM {Names.IndicatorsTable} WHERE "threat.feed.name" = $feed AND NOT expired)
            """, feed);
        ct.ThrowIfCancellationRequested();
        using (var cmd = Connection.CreateCommand())
        {
            // Joins on the ids, which DuckDB can spill to disk, instead of an upsert through a key's in-memory index
            // (schema 4). An id names its feed, so only this feed's rows are compared.
            // Text columns are rewritten only where they changed: DuckDB keeps an update's old values in memory until
            // commit, and every seen indicator gets a new last_seen on every refresh.
            cmd.CommandText = $"""
                UPDATE {Names.IndicatorsTable} SET "threat.indicator.last_seen" = s."threat.indicator.last_seen", expired = false
                FROM temp.feed_staging s
                WHERE {Names.IndicatorsTable}.id = s.id AND {Names.IndicatorsTable}."threat.feed.name" = $feed;
                UPDATE {Names.IndicatorsTable} SET "threat.indicator.confidence" = s."threat.indicator.confidence",
                  "threat.indicator.marking.tlp" = s."threat.indicator.marking.tlp"
                FROM temp.feed_staging s
                WHERE {Names.IndicatorsTable}.id = s.id AND {Names.IndicatorsTable}."threat.feed.name" = $feed
                  AND ({Names.IndicatorsTable}."threat.indicator.confidence" IS DISTINCT FROM s."threat.indicator.confidence"
                       OR {Names.IndicatorsTable}."threat.indicator.marking.tlp" IS DISTINCT FROM s."threat.indicator.marking.tlp");
                INSERT INTO {Names.IndicatorsTable} SELECT * EXCLUDE (pos) FROM temp.feed_staging
                WHERE id NOT IN (SELECT id FROM {Names.IndicatorsTable} WHERE "threat.feed.name" = $feed);
                UPDATE {Names.IndicatorsTable} SET expired = true
                WHERE "threat.feed.name" = $feed AND id NOT IN (SELECT id FROM temp.feed_staging);
                DROP TABLE temp.feed_staging;
                """;
            cmd.Parameters.Add(new DuckDBParameter("feed", feed));
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
        return Task.FromResult(new FeedReplacement(count, added));
    }

    // A statement whose one parameter, $feed, is the feed's name.
    private static DuckDBCommand FeedCommand(DuckDBConnection connection, string sql, string feed)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.Add(new DuckDBParameter("feed", feed));
        return cmd;
    }

    // Returns the rows it changed.
    private int ExecuteForFeed(string sql, string feed)
    {
        using var cmd = FeedCommand(Connection, sql, feed);
        return cmd.ExecuteNonQuery();
    }

    private static (System.Numerics.BigInteger First, System.Numerics.BigInteger Last)? IpRange(Indicator i) =>
        i.Type is IndicatorType.Ipv4 or IndicatorType.Ipv6 or IndicatorType.Cidr ? IpNumbers.Range(i.Value) : null;

    private Task<SkippedIndicators> ReadActiveAsyncCore(Action<Indicator> each, CancellationToken ct)
    {
        using var cmd = Connection.CreateCommand();
        cmd.UseStreamingMode = true; // rows as DuckDB reads them: a materialised million held ~230 MB natively
        cmd.CommandText = $"""
            SELECT kind, value, "threat.feed.name", "threat.indicator.confidence", "threat.indicator.marking.tlp",
                   "threat.indicator.reference", "threat.indicator.description"
            FROM {Names.IndicatorsTable} WHERE NOT expired
            """;
        using var reader = cmd.ExecuteReader();
        // A feed's name, confidence, TLP and often its description repeat on every row: one string each, not one per
        // indicator (1,000,000 hashes of one feed held ~48 MB of copies of its name alone).
        var shared = new SharedStrings();
        string? Shared(int column) => shared.Of(reader, column);
        var skipped = new SkippedIndicators();
        while (reader.Read())
        {
            ct.ThrowIfCancellationRequested();
            var kind = reader.GetString(0);
            if (!IndicatorTypes.TryParseStored(kind, out var type))
            {
                skipped = skipped.Add(kind, reader.GetString(1), Shared(2));
                continue;
            }
            each(new Indicator(type, reader.GetString(1), Shared(2)!)
            {
                Confidence = Shared(3),
                Tlp = Shared(4),
                Reference = reader.IsDBNull(5) ? null : reader.GetString(5),
                Description = Shared(6),
            });
        }
        return Task.FromResult(skipped);
    }

    // The alerts not stored yet: staged, then inserted but for the ids the table already holds (a repeated match, a run
    // again, a retro-hunt of a refreshed feed). The held ids are looked for only where a copy can lie, around the
    // alerts' own times (an alert carries its event's), so DuckDB skips the table's other row groups by their bounds.
    private Task<IReadOnlyList<Alert>> WriteAlertsAsyncCore(IReadOnlyList<Alert> alerts, CancellationToken ct)
    {
        if (alerts.Count == 0) return Task.FromResult<IReadOnlyList<Alert>>([]);
        using var tx = Connection.BeginTransaction();
        DuckDbSchema.Execute(Connection, $"CREATE OR REPLACE TEMP TABLE alert_staging AS SELECT * FROM {Names.AlertsTable} LIMIT 0");
        var byId = new Dictionary<string, Alert>(alerts.Count, StringComparer.Ordinal);
        DateTime from = DateTime.MaxValue, to = DateTime.MinValue;
        using (var appender = Connection.CreateAppender("temp", "main", "alert_staging"))
        {
            foreach (var a in alerts)
            {
                if (!byId.TryAdd(a.Id, a)) continue; // the same match twice in one write (an event read twice in one run)
                var at = a.Timestamp.UtcDateTime;
                if (at < from) from = at;
                if (at > to) to = at;
                appender.CreateRow().AppendValue(a.Id).AppendValue(at).AppendValue(a.EventId).AppendValue(a.EventCode)
                    .AppendValue(a.Host).AppendValue(a.MatchedField).AppendValue(a.MatchedAtomic).AppendValue("indicator_match")
                    .AppendValue(a.IndicatorId).AppendValue(a.Feed).AppendNullValue().AppendValue(a.Source).EndRow();
            }
        }
        var (lo, hi) = EventLoadStatement.WithMargin(from, to);
        var inserted = new List<Alert>();
        using (var cmd = Connection.CreateCommand())
        {
            // A semi-join hashes its right side: the staged ids, not the stored ones.
            cmd.CommandText = $"""
                INSERT INTO {Names.AlertsTable} SELECT * FROM temp.alert_staging
                WHERE id NOT IN (SELECT a.id FROM {Names.AlertsTable} a SEMI JOIN temp.alert_staging s ON a.id = s.id
                                 WHERE a."@timestamp" BETWEEN $lo AND $hi)
                RETURNING id
                """;
            cmd.Parameters.Add(new DuckDBParameter("lo", lo));
            cmd.Parameters.Add(new DuckDBParameter("hi", hi));
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) inserted.Add(byId[reader.GetString(0)]);
        }
        DuckDbSchema.Execute(Connection, "DROP TABLE temp.alert_staging");
        tx.Commit();
        return Task.FromResult<IReadOnlyList<Alert>>(inserted);
    }

    // The stored events since then, each matched by the ingest tagger's own set and fields: one pass over the events
    // whatever the number of new indicators. A join of the events with the indicators compared every pair (each
    // field an OR of conditions, no hash join): 1,000,000 new hashes against 1,000,000 events filled the disk with
    // DuckDB's spill after 2 minutes, where this takes seconds. DuckDB first keeps only the events that can match, by
    // semi-joins on the new values (an address by its number, as every form of it is the same number); a block's
    // events are all those with an address, matched here. The events are read on a second connection, so that the
    // alerts are stored on the store's own as they come, a batch at a time.
    // A hunt is bulk work like a replace: one DuckDB thread under the load limit, run again whole under the store's own
    // limit if it does not fit. Under the worker's 128 MB with every thread, the scan of 1,000,000 events for a
    // million new hashes ran out of memory in 2 of 8 tries (the feed then waited 5 minutes for its retry); with one
    // thread it fitted in 11 of 11, peak 364-377 MB against 411-419 MB, about as fast (bench/README.md). Alerts
    // stored before a retry are not new to it: they are counted here, so the outcome holds each new alert once.
    private Task<RetroHuntOutcome> RetroHuntUnderLoadSettings(string feed, DateTimeOffset since, Action<Alert>? raised, CancellationToken ct)
    {
        long raisedCount = 0;
        void Raised(Alert alert)
        {
            raisedCount++;
            raised?.Invoke(alert);
        }
        var outcome = store.UnderLoadSettings(() => RetroHuntAsyncCore(feed, since, Raised, ct).Result);
        return Task.FromResult(outcome with { NewAlerts = raisedCount });
    }

    private Task<RetroHuntOutcome> RetroHuntAsyncCore(string feed, DateTimeOffset since, Action<Alert>? raised, CancellationToken ct)
    {
        if (!AnyPending(feed)) return Task.FromResult(default(RetroHuntOutcome));
        if (!AnyEventSince(since))
        {
            ClearPending(feed);
            return Task.FromResult(default(RetroHuntOutcome));
        }
        // The pending indicators straight into the packed set the tagger matches with, counted by kind on the way.
        var builder = new IndicatorSetBuilder();
        var counts = new Dictionary<MatchKind, int>();
        var anyBlock = false;
        ReadPending(feed, i =>
        {
            builder.Add(i);
            if (i.Type == IndicatorType.Cidr) anyBlock = true;
            else if (i.Type.MatchedAs() is { } kind) counts[kind] = counts.GetValueOrDefault(kind) + 1;
        }, ct);
        var set = builder.Build(null, matchParentDomains: false);
        using var reading = store.ReadingConnection();
        var staged = StageRetroHuntKeys(reading, feed, counts);
        var kinds = counts.Keys.ToHashSet();
        long matches = 0, stored = 0;
        var batch = new List<Alert>(RetroHuntBatch);
        void Store()
        {
            foreach (var alert in WriteAlertsAsyncCore(batch, ct).Result)
            {
                stored++;
                raised?.Invoke(alert);
            }
            batch.Clear();
        }
        using (var cmd = reading.CreateCommand())
        {
            cmd.UseStreamingMode = true;
            cmd.CommandText = $"""
                SELECT id, "@timestamp", "event.code", "host.name", {string.Join(", ", EventTagger.Fields.Select(f => '"' + f.Field + '"'))}
                FROM {RetroHuntSource} WHERE {RetroHuntCandidates(kinds, staged, anyBlock)}
                """;
            cmd.Parameters.Add(new DuckDBParameter("since", since.UtcDateTime));
            using var reader = cmd.ExecuteReader();
            var found = new List<Indicator>(2);
            while (reader.Read())
            {
                ct.ThrowIfCancellationRequested();
                for (var f = 0; f < EventTagger.Fields.Length; f++)
                {
                    if (reader.IsDBNull(4 + f)) continue;
                    var (field, kind) = EventTagger.Fields[f];
                    var atomic = reader.GetString(4 + f);
                    found.Clear();
                    EventTagger.Lookup(set, kind, atomic, found);
                    foreach (var indicator in found)
                    {
                        batch.Add(new Alert(reader.GetString(0), new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero),
                            reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                            field, atomic, indicator.Id, indicator.Feed, "retro-hunt"));
                    }
                }
                if (batch.Count < RetroHuntBatch) continue;
                matches += batch.Count;
                Store();
            }
        }
        matches += batch.Count;
        Store();
        // Only now: a hunt that throws or is cancelled before here leaves them pending for the next.
        ClearPending(feed);
        return Task.FromResult(new RetroHuntOutcome(matches, stored));
    }

    private void ClearPending(string feed) => ExecuteForFeed($"DELETE FROM {DuckDbSchema.RetroHuntPendingTable} WHERE feed = $feed", feed);

    private bool AnyPending(string feed)
    {
        using var cmd = FeedCommand(Connection, $"SELECT EXISTS (SELECT 1 FROM {DuckDbSchema.RetroHuntPendingTable} WHERE feed = $feed)", feed);
        return cmd.ExecuteScalar() is true;
    }

    // The feed's indicators pending a retro-hunt (a refresh drops those that left the feed), as they are read.
    private void ReadPending(string feed, Action<Indicator> each, CancellationToken ct)
    {
        using var cmd = FeedCommand(Connection,
            $"SELECT kind, value, confidence, tlp, reference, description FROM {DuckDbSchema.RetroHuntPendingTable} WHERE feed = $feed", feed);
        cmd.UseStreamingMode = true;
        using var reader = cmd.ExecuteReader();
        var shared = new SharedStrings();
        while (reader.Read())
        {
            ct.ThrowIfCancellationRequested();
            if (!IndicatorTypes.TryParseStored(reader.GetString(0), out var type)) continue;
            each(new Indicator(type, reader.GetString(1), feed)
            {
                Confidence = shared.Of(reader, 2),
                Tlp = shared.Of(reader, 3),
                Reference = reader.IsDBNull(4) ? null : reader.GetString(4),
                Description = shared.Of(reader, 5),
            });
        }
    }

    // Whether any event is stored since then: a feed's first pull into a new store has nothing to hunt through, and
    // building the set and staging the values of a million new indicators took seconds and ~150 MB for nothing.
    private bool AnyEventSince(DateTimeOffset since)
    {
        using var cmd = Connection.CreateCommand();
        cmd.CommandText = $"SELECT EXISTS (SELECT 1 FROM {Names.EventsTable} WHERE \"@timestamp\" >= $since)";
        cmd.Parameters.Add(new DuckDBParameter("since", since.UtcDateTime));
        return cmd.ExecuteScalar() is true;
    }

    // The new values DuckDB keeps events by, in a temporary table of the reading connection: an address as its
    // number, a hash or a domain as its text. A kind with more new values than DuckDB's semi-joins hold in the store's
    // memory is not staged: its events are all those with a value in its fields, matched here (a million new hashes,
    // a hash table of them per hash field, ran out of memory at 256MB). Taken by DuckDB from the feed's pending rows;
    // returns the kinds staged.
    private HashSet<MatchKind> StageRetroHuntKeys(DuckDBConnection reading, string feed, Dictionary<MatchKind, int> counts)
    {
        var staged = counts.Where(c => c.Value <= MaxStagedKeys(c.Key)).Select(c => c.Key).ToHashSet();
        if (staged.Count == 0) return staged; // the candidates then name no key
        // Each stored kind (an IndicatorType's name) as the kind it is matched as, for the staged kinds only.
        var kindOf = string.Concat(Enum.GetValues<IndicatorType>()
            .Where(t => t != IndicatorType.Cidr && t.MatchedAs() is { } k && staged.Contains(k))
            .Select(t => $" WHEN '{t}' THEN '{t.MatchedAs()}'"));
        // An address by its number (ip_first, what the replace stored), a hash or a domain by its text.
        using var cmd = FeedCommand(reading, $"""
            CREATE TEMP TABLE retro_keys AS
            SELECT kind_matched AS kind, CASE WHEN kind_matched = '{MatchKind.Address}' THEN NULL ELSE value END AS text,
                   CASE WHEN kind_matched = '{MatchKind.Address}' THEN ip_first END AS num
            FROM (SELECT *, CASE kind{kindOf} END AS kind_matched FROM {DuckDbSchema.RetroHuntPendingTable})
            WHERE feed = $feed AND kind_matched IS NOT NULL
            """, feed);
        cmd.ExecuteNonQuery();
        return staged;
    }

    private int MaxStagedKeys(MatchKind kind) => kind == MatchKind.Address ? MaxStagedAddresses : MaxStagedValues;

    /// <summary>New addresses a retro-hunt's semi-joins take (100,008: 10 s over 1M events, 417 MB).</summary>
    internal int MaxStagedAddresses { get; init; } = 250_000;

    /// <summary>New hashes or domains a retro-hunt's semi-joins take.</summary>
    internal int MaxStagedValues { get; init; } = 100_000;

    // The events since $since with the fields the tagger matches: the stored columns as they are, the others (file and
    // dll MD5 and SHA-1) out of doc in one json_extract_string per row. Through events_ecs each was a JSON function of
    // its own, and DuckDB holds each one's parse of a whole vector: the worker's hunt of 1,000,000 new hashes over
    // 1,000,000 events ran out of its 128 MB every time it was tried.
    private static readonly string RetroHuntSource = BuildRetroHuntSource();

    private static string BuildRetroHuntSource()
    {
        var fromDoc = EventTagger.Fields.Select(f => f.Field).Where(f => EventColumns.ColumnOf(f) < 0).ToList();
        var columns = EventTagger.Fields.Select(f => fromDoc.IndexOf(f.Field) is var i and >= 0
            ? $"doc_values[{i + 1}] AS \"{f.Field}\""
            : $"\"{f.Field}\"");
        var ipNumbers = EventColumns.All.Where(c => c.Kind == ColumnKind.IpNumber).Select(c => c.Quoted);
        var values = fromDoc.Count == 0 ? "" : $", json_extract_string(doc, [{string.Join(", ", fromDoc.Select(f => $"'$.{f}'"))}]) AS doc_values";
        return $"""
            (SELECT id, "@timestamp", "event.code", "host.name", {string.Join(", ", columns.Concat(ipNumbers))}
             FROM (SELECT *{values} FROM {Names.EventsTable} WHERE "@timestamp" >= $since))
            """;
    }

    // The events that can match a new indicator of these kinds: semi-joins on the staged values (hash joins); when a
    // block is new, or a kind's values were too many to stage, every event with a value in that kind's fields.
    private static string RetroHuntCandidates(HashSet<MatchKind> kinds, HashSet<MatchKind> staged, bool anyBlock)
    {
        var any = new List<string>();
        foreach (var (field, kind) in EventTagger.Fields)
        {
            var column = '"' + field + '"';
            var keys = $"(SELECT {(kind == MatchKind.Address ? "num" : "text")} FROM temp.retro_keys WHERE kind = '{kind}')";
            if (kind == MatchKind.Address && anyBlock) any.Add($"{column} IS NOT NULL");
            else if (!kinds.Contains(kind)) continue;
            else if (!staged.Contains(kind)) any.Add($"{column} IS NOT NULL");
            else if (kind == MatchKind.Address) any.Add($"\"{field}_num\" IN {keys}");
            else if (kind == MatchKind.Hash) any.Add($"lower({column}) IN {keys}");
            else any.Add($"rtrim(lower({column}), '.') IN {keys}");
        }
        return any.Count == 0 ? "false" : string.Join(" OR ", any);
    }

    // Text columns whose values repeat from row to row, read as one string per distinct value (up to 65,536 of them).
    private sealed class SharedStrings
    {
        private readonly Dictionary<string, string> _known = new(StringComparer.Ordinal);

        public string? Of(System.Data.Common.DbDataReader reader, int column)
        {
            if (reader.IsDBNull(column)) return null;
            var text = reader.GetString(column);
            if (_known.TryGetValue(text, out var known)) return known;
            if (_known.Count < 65_536) _known[text] = text;
            return text;
        }
    }
}
