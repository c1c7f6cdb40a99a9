using Sysmon.Enrich.Indicators;

namespace Sysmon.Enrich;

/// <summary>The active indicators of a store, as the matcher's set or as a list.</summary>
public static class ActiveIndicators
{
    /// <summary>The set built as the store reads them: only the packed set is ever whole in memory.</summary>
    public static async Task<IndicatorSet> LoadSetAsync(this IIndicatorStore store, IEnumerable<string>? allowList, bool matchParentDomains,
        CancellationToken ct)
    {
        var builder = new IndicatorSetBuilder();
        var skipped = await store.ReadActiveAsync(builder.Add, ct).ConfigureAwait(false);
        var set = builder.Build(allowList, matchParentDomains);
        set.Skipped = skipped;
        return set;
    }

    /// <summary>Every active indicator as an object (for a few; a big feed belongs in <see cref="LoadSetAsync"/>).</summary>
    public static async Task<IReadOnlyList<Indicator>> LoadActiveAsync(this IIndicatorStore store, CancellationToken ct)
    {
        var list = new List<Indicator>();
        await store.ReadActiveAsync(list.Add, ct).ConfigureAwait(false);
        return list;
    }
}
