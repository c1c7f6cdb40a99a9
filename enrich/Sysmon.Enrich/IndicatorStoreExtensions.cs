using Sysmon.Enrich.Feeds;
using Sysmon.Enrich.Indicators;

namespace Sysmon.Enrich;

public static class IndicatorStoreExtensions
{
    /// <summary>Makes a list of indicators the feed's current set (see <see cref="IIndicatorStore.ReplaceFeedAsync"/>).</summary>
    public static Task<FeedReplacement> ReplaceFeedAsync(this IIndicatorStore store, string feed, IReadOnlyList<Indicator> indicators,
        DateTimeOffset now, CancellationToken ct) =>
        store.ReplaceFeedAsync(feed, each =>
        {
            foreach (var indicator in indicators) each(indicator);
        }, now, ct);
}
