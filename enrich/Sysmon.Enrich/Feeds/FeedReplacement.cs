namespace Sysmon.Enrich.Feeds;

/// <summary>What replacing a feed's set did: how many distinct indicators the feed now has, and how many are new
/// since its previous refresh (or back after they had left it). The new ones wait in the store for the feed's
/// retro-hunt (<see cref="IIndicatorStore.RetroHuntAsync"/>) rather than being handed back: a first pull of a
/// million hashes held as a list was ~216 MB.</summary>
public sealed record FeedReplacement(int Indicators, int Added);
