using Sysmon.Enrich.Indicators;

namespace Sysmon.Enrich.Feeds;

/// <summary>What replacing a feed's set did: how many distinct indicators the feed now has, and those that are new
/// since its previous refresh (or back after they had left it), for the retro-hunt.</summary>
public sealed record FeedReplacement(int Indicators, IReadOnlyList<Indicator> Added);
