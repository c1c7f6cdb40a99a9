namespace Sysmon.Enrich.Matching;

/// <summary>How an event field is matched against indicators: as an address (exact, or inside a block), a hash, or a
/// domain.</summary>
public enum MatchKind { Address, Hash, Domain }
