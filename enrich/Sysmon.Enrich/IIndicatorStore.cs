using Sysmon.Enrich.Feeds;
using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;

namespace Sysmon.Enrich;

/// <summary>
/// The port the feed job and the ingest-time matcher use; each store (DuckDB, Elasticsearch) implements it.
/// </summary>
public interface IIndicatorStore
{
    Task<IReadOnlyList<FeedState>> ListFeedStatesAsync(CancellationToken ct);

    Task<FeedState?> GetFeedStateAsync(string feed, CancellationToken ct);

    Task SaveFeedStateAsync(FeedState state, CancellationToken ct);

    /// <summary>Makes the indicators <paramref name="indicators"/> hands over the feed's current set: upserts them (first/last
    /// seen kept; one of each listed twice), expires those that left the feed. Those that are new (or back after they
    /// had left) are kept as pending the feed's retro-hunt. When the source throws, the feed's set is left as it was
    /// (a store that writes as it reads deletes what it added; those it shares with that set may show this attempt as
    /// last seen) and the exception goes to the caller.</summary>
    Task<FeedReplacement> ReplaceFeedAsync(string feed, IndicatorSource indicators, DateTimeOffset now, CancellationToken ct);

    /// <summary>Hands <paramref name="each"/> every indicator not expired, of every feed, one at a time as they are
    /// read (to build the in-memory <see cref="IndicatorSet"/> without holding a million indicator objects first).
    /// Returns the stored ones left out, their kind being none this version knows.</summary>
    Task<SkippedIndicators> ReadActiveAsync(Action<Indicator> each, CancellationToken ct);

    /// <summary>Stores alerts; returns those that were new (an alert id already stored, or twice in the list, is
    /// skipped), so that a run over events stored before raises nothing again.</summary>
    Task<IReadOnlyList<Alert>> WriteAlertsAsync(IReadOnlyList<Alert> alerts, CancellationToken ct);

    /// <summary>Matches the feed's indicators pending a retro-hunt (new at a refresh, including a refresh whose hunt did
    /// not finish) against stored events since <paramref name="since"/>, stores the matches as alerts (source
    /// "retro-hunt") a batch at a time as they are found, and then marks those indicators hunted. Nothing pending:
    /// nothing to do. A hunt that fails or is cancelled leaves them pending; the next one finds the alerts already
    /// stored and raises none twice (a new value seen on a third of the fleet's events raised 380,749 alerts, which
    /// held to the end took ~450 MB). <paramref name="raised"/> is handed each alert that was new, once stored.</summary>
    Task<RetroHuntOutcome> RetroHuntAsync(string feed, DateTimeOffset since, Action<Alert>? raised, CancellationToken ct);

    /// <summary>How many indicators of each feed wait for their retro-hunt (one cut short, or not run yet); feeds with
    /// none are left out.</summary>
    Task<IReadOnlyDictionary<string, long>> CountPendingRetroHuntsAsync(CancellationToken ct);
}
