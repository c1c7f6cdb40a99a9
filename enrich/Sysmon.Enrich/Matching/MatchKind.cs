using Sysmon.Enrich.Indicators;

namespace Sysmon.Enrich.Matching;

/// <summary>How an event field is matched against indicators: as an address (exact, or inside a block), a hash, or a
/// domain.</summary>
public enum MatchKind { Address, Hash, Domain }

public static class MatchKinds
{
    /// <summary>The fields an indicator of this type is matched in; null for a URL, which no event field is matched
    /// against.</summary>
    public static MatchKind? MatchedAs(this IndicatorType type) => type switch
    {
        IndicatorType.Ipv4 or IndicatorType.Ipv6 or IndicatorType.Cidr => MatchKind.Address,
        IndicatorType.Md5 or IndicatorType.Sha1 or IndicatorType.Sha256 => MatchKind.Hash,
        IndicatorType.Domain => MatchKind.Domain,
        _ => null,
    };
}
