using Sysmon.Enrich.Formats;
using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;

namespace Sysmon.Enrich.Feeds;

/// <summary>The result of refreshing one feed.</summary>
public sealed record FeedRefreshResult(string Feed, bool Succeeded, bool NotModified, int Indicators, int Rejected,
    int NewIndicators, int RetroAlerts, string? Error)
{
    /// <summary>The time from which stored events were searched for the new indicators (null when none were searched for).</summary>
    public DateTimeOffset? RetroHuntSince { get; init; }

    /// <summary>How many indicators the retro-hunt searched for that an earlier refresh had left unhunted (a crash, a
    /// stop), besides this refresh's new ones.</summary>
    public int ResumedHunt { get; init; }

    /// <summary>What to tell the operator about <see cref="ResumedHunt"/>, or null: a refresh with nothing new that
    /// raised alerts would otherwise read as a contradiction.</summary>
    public string? ResumedHuntNote => ResumedHunt == 0 ? null :
        $"{Feed}: the retro-hunt also searched for {ResumedHunt} indicator(s) an earlier refresh left unhunted";

    /// <summary>How many of the feed's address indicators lie in the allow-list and never match, and up to three of them.</summary>
    public int AllowListed { get; init; }

    public IReadOnlyList<string> AllowListedExamples { get; init; } = [];

    /// <summary>What to tell the operator about <see cref="AllowListed"/>, or null: a case's own list of internal
    /// addresses was loaded, counted, and never matched, without a word.</summary>
    public string? AllowListedNote => AllowListed == 0 ? null :
        $"{Feed}: {AllowListed} indicator(s) in private or special address ranges never match ({string.Join(", ", AllowListedExamples)}" +
        $"{(AllowListed > AllowListedExamples.Count ? ", …" : "")}): the allow-list keeps broad feeds from flagging internal traffic; " +
        $"look for them with a query (FROM logs-sysmon-* | WHERE {Condition(AllowListedExamples[0])})";

    private static string Condition(string address) =>
        address.Contains('/', StringComparison.Ordinal) ? $"CIDR_MATCH(destination.ip, \"{address}\")" : $"destination.ip == \"{address}\"";
}

/// <summary>
/// Refreshes feeds: download, parse, sanity checks, then replace the feed's indicators in the store and run the
/// retro-hunt for the new ones. A failed, empty, truncated or obviously wrong payload (an HTML page, a parse-error
/// ratio above the threshold) never replaces the last good set; the feed's state records what happened.
/// </summary>
public sealed class FeedRefresher(FeedDownloader downloader, IIndicatorStore store, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>Above this share of invalid entries the payload is taken for garbage.</summary>
    public double MaxRejectedRatio { get; init; } = 0.5;

    /// <summary>The ranges IP indicators never match in, for the refresh's report of the indicators that never will.</summary>
    public AllowList AllowList { get; init; } = AllowList.Default;

    /// <summary>How far back the retro-hunt searches stored events.</summary>
    public TimeSpan RetroHuntWindow { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Pulls the feed and replaces its set; the retro-hunt hands <paramref name="raised"/> each new alert.</summary>
    public async Task<FeedRefreshResult> RefreshAsync(FeedDefinition feed, CancellationToken ct, Action<Alert>? raised = null)
    {
        var now = _clock.GetUtcNow();
        var state = await store.GetFeedStateAsync(feed.Name, ct).ConfigureAwait(false) ?? new FeedState { Name = feed.Name };
        state.LastAttempt = now;
        if (state.Definition != feed.Fingerprint)
        {
            // A feed whose URL, format, column, confidence or TLP changed is read anew: an unchanged payload ("not
            // modified") would keep the set made the old way, e.g. from the wrong CSV column.
            state.ETag = null;
            state.LastModified = null;
        }
        try
        {
            var replaced = await FetchAndReplaceAsync(feed, state, now, ct).ConfigureAwait(false);
            // The rest of the refresh ran as a continuation inside the download's completion, whose frames kept the
            // payload alive to the end (found by gcroot; 195 MB of a 1,000,000-hash list when it was parsed as one
            // string). Queued, it starts on a clean stack, and the payload is garbage for the retro-hunt.
            await Task.Yield();
            // Saved before the retro-hunt: the set is stored, and a hunt that fails or is stopped stays pending for the
            // next refresh, which (the ETag kept) finds the feed unchanged. Saved after it, a worker stopped in a big
            // feed's hunt left the state of the refresh before (`feeds list`: 0 indicators, never succeeded), and the
            // next refresh downloaded and compared the whole feed again.
            state.LastSuccess = now;
            state.LastError = null;
            if (replaced is { } r)
            {
                state.Indicators = r.Replacement.Indicators;
                state.Rejected = r.Rejected;
                state.ETag = r.ETag;
                state.LastModified = r.LastModified;
                state.Definition = feed.Fingerprint;
            }
            await store.SaveFeedStateAsync(state, ct).ConfigureAwait(false);
            var since = now - RetroHuntWindow;
            // Also when the feed has not changed: indicators whose hunt an earlier refresh did not finish (a crash, a
            // stop) are still pending, and are hunted now. Nothing pending costs one small query.
            var waiting = (await store.CountPendingRetroHuntsAsync(ct).ConfigureAwait(false)).GetValueOrDefault(feed.Name);
            var resumed = (int)Math.Max(0, waiting - (replaced?.Replacement.Added ?? 0));
            var hunt = await store.RetroHuntAsync(feed.Name, since, raised, ct).ConfigureAwait(false);
            if (replaced is null)
            {
                return new FeedRefreshResult(feed.Name, true, true, state.Indicators, state.Rejected, 0, checked((int)hunt.NewAlerts), null)
                {
                    RetroHuntSince = resumed > 0 ? since : null, ResumedHunt = resumed,
                };
            }
            return new FeedRefreshResult(feed.Name, true, false, replaced.Replacement.Indicators, replaced.Rejected, replaced.Replacement.Added,
                checked((int)hunt.NewAlerts), null)
            {
                RetroHuntSince = since, AllowListed = replaced.AllowListed, AllowListedExamples = replaced.AllowListedExamples, ResumedHunt = resumed,
            };
        }
        catch (Exception ex) when (ex is FeedException or FormatException or System.Text.Json.JsonException or ArgumentException)
        {
            state.LastError = ex is FeedException ? ex.Message : $"{feed.Name}: {ex.Message}";
            await store.SaveFeedStateAsync(state, ct).ConfigureAwait(false);
            return new FeedRefreshResult(feed.Name, false, false, state.Indicators, state.Rejected, 0, 0, state.LastError);
        }
    }

    private sealed record Replaced(FeedReplacement Replacement, int Rejected, string? ETag, string? LastModified, int AllowListed,
        IReadOnlyList<string> AllowListedExamples);

    // Download, then replace the feed's set with the indicators as they are parsed: the store stages each as the parser
    // hands it over, so that the feed is never also a list (a million hashes were ~230 MB of Indicator objects). The
    // checks that need the whole payload (nothing valid, too many invalid entries) throw at the parse's end, and the
    // store then keeps the last good set. Apart from the rest of the refresh, so that the payload's bytes are let go
    // when this returns. Null when the feed has not changed.
    private async Task<Replaced?> FetchAndReplaceAsync(FeedDefinition feed, FeedState state, DateTimeOffset now, CancellationToken ct)
    {
        var payload = await downloader.FetchAsync(feed, state, ct).ConfigureAwait(false);
        if (payload.NotModified) return null;
        CheckHead(feed, payload.Body);
        var labelled = feed.Confidence is not null || feed.Tlp is not null;
        // The allow-listed ones by id, so that one listed twice counts once (few: private and special ranges).
        var allowListed = new HashSet<string>(StringComparer.Ordinal);
        var examples = new List<string>(3);
        FeedParseResult? parsed = null;
        var replacement = await store.ReplaceFeedAsync(feed.Name, each =>
        {
            allowListed.Clear(); // a store may read the source again (DuckDB retries a replace that ran out of memory)
            examples.Clear();
            parsed = FeedParser.Parse(payload.Body, feed.Name, feed.ParsedFormat, feed.Column, now, new FeedParseResult(indicator =>
            {
                if (labelled) indicator = indicator with { Confidence = feed.Confidence, Tlp = feed.Tlp };
                if (AllowList.Covers(indicator) && allowListed.Add(indicator.Id) && examples.Count < 3) examples.Add(indicator.Value);
                each(indicator);
            }));
            CheckCounts(feed, parsed);
        }, now, ct).ConfigureAwait(false);
        return new Replaced(replacement, parsed!.Rejected, payload.ETag, payload.LastModified, allowListed.Count, examples);
    }

    private static void CheckHead(FeedDefinition feed, ReadOnlyMemory<byte> body)
    {
        var text = body.Span.TrimStart(" \t\r\n\f\v"u8);
        if (text.IsEmpty) throw new FeedException($"{feed.Name}: empty payload; the last good set is kept");
        var head = FeedParser.Head(text, 512);
        if (head.StartsWith("<!DOCTYPE html", StringComparison.OrdinalIgnoreCase) || head.StartsWith("<html", StringComparison.OrdinalIgnoreCase))
        {
            throw new FeedException($"{feed.Name}: got an HTML page instead of a feed; the last good set is kept");
        }
    }

    private void CheckCounts(FeedDefinition feed, FeedParseResult parsed)
    {
        if (parsed.Count == 0)
        {
            throw new FeedException($"{feed.Name}: no valid indicator in the payload ({parsed.Rejected} invalid); the last good set is kept");
        }
        if (parsed.RejectedRatio > MaxRejectedRatio)
        {
            throw new FeedException($"{feed.Name}: {parsed.Rejected} of {parsed.Rejected + parsed.Count} entries invalid " +
                                    $"(e.g. {parsed.RejectionExamples.FirstOrDefault()}); the last good set is kept");
        }
    }
}
