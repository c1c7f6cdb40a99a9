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
            var fetched = await FetchAsync(feed, state, ct).ConfigureAwait(false);
            // The rest of the refresh ran as a continuation inside the download's completion, whose frames kept the
            // payload alive to the end (found by gcroot; 195 MB of a 1,000,000-hash list when it was parsed as one
            // string). Queued, it starts on a clean stack, and the payload is garbage for the store's work.
            await Task.Yield();
            if (fetched is not { } download)
            {
                state.LastSuccess = now;
                state.LastError = null;
                await store.SaveFeedStateAsync(state, ct).ConfigureAwait(false);
                return new FeedRefreshResult(feed.Name, true, true, state.Indicators, state.Rejected, 0, 0, null);
            }
            var fresh = download.Indicators;
            var added = await store.ReplaceFeedAsync(feed.Name, fresh, now, ct).ConfigureAwait(false);
            var since = now - RetroHuntWindow;
            var hunt = added.Count == 0 ? default : await store.RetroHuntAsync(added, since, raised, ct).ConfigureAwait(false);
            state.Indicators = fresh.Count;
            state.Rejected = download.Rejected;
            state.LastSuccess = now;
            state.LastError = null;
            state.ETag = download.ETag;
            state.LastModified = download.LastModified;
            state.Definition = feed.Fingerprint;
            await store.SaveFeedStateAsync(state, ct).ConfigureAwait(false);
            var allowListed = fresh.Where(AllowList.Covers).Select(i => i.Value).ToList();
            return new FeedRefreshResult(feed.Name, true, false, fresh.Count, download.Rejected, added.Count, checked((int)hunt.NewAlerts), null)
            {
                RetroHuntSince = since, AllowListed = allowListed.Count, AllowListedExamples = allowListed.Take(3).ToList(),
            };
        }
        catch (Exception ex) when (ex is FeedException or FormatException or System.Text.Json.JsonException or ArgumentException)
        {
            state.LastError = ex is FeedException ? ex.Message : $"{feed.Name}: {ex.Message}";
            await store.SaveFeedStateAsync(state, ct).ConfigureAwait(false);
            return new FeedRefreshResult(feed.Name, false, false, state.Indicators, state.Rejected, 0, 0, state.LastError);
        }
    }

    private sealed record Download(List<Indicator> Indicators, int Rejected, string? ETag, string? LastModified);

    // Download and parse, apart: the payload's bytes and the parser's de-duplication set are let go when this returns,
    // before the store's work (held to the end of the refresh, they were ~330 MB of a 1,000,000-hash feed's peak).
    // Null when the feed has not changed.
    private async Task<Download?> FetchAsync(FeedDefinition feed, FeedState state, CancellationToken ct)
    {
        var payload = await downloader.FetchAsync(feed, state, ct).ConfigureAwait(false);
        if (payload.NotModified) return null;
        var parsed = Check(feed, payload.Body);
        var indicators = parsed.Indicators;
        if (feed.Confidence is not null || feed.Tlp is not null)
        {
            for (var i = 0; i < indicators.Count; i++) indicators[i] = indicators[i] with { Confidence = feed.Confidence, Tlp = feed.Tlp };
        }
        return new Download(indicators, parsed.Rejected, payload.ETag, payload.LastModified);
    }

    private FeedParseResult Check(FeedDefinition feed, ReadOnlyMemory<byte> body)
    {
        var text = body.Span.TrimStart(" \t\r\n\f\v"u8);
        if (text.IsEmpty) throw new FeedException($"{feed.Name}: empty payload; the last good set is kept");
        var head = FeedParser.Head(text, 512);
        if (head.StartsWith("<!DOCTYPE html", StringComparison.OrdinalIgnoreCase) || head.StartsWith("<html", StringComparison.OrdinalIgnoreCase))
        {
            throw new FeedException($"{feed.Name}: got an HTML page instead of a feed; the last good set is kept");
        }
        var parsed = FeedParser.Parse(body, feed.Name, feed.ParsedFormat, feed.Column, _clock.GetUtcNow());
        if (parsed.Indicators.Count == 0)
        {
            throw new FeedException($"{feed.Name}: no valid indicator in the payload ({parsed.Rejected} invalid); the last good set is kept");
        }
        if (parsed.RejectedRatio > MaxRejectedRatio)
        {
            throw new FeedException($"{feed.Name}: {parsed.Rejected} of {parsed.Rejected + parsed.Indicators.Count} entries invalid " +
                                    $"(e.g. {parsed.RejectionExamples.FirstOrDefault()}); the last good set is kept");
        }
        return parsed;
    }
}
