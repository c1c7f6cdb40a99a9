using System.Net;

namespace Sysmon.Enrich.Indicators;

/// <summary>
/// Address ranges an IP indicator never matches in (private and special ranges by default), so that broad feeds
/// listing 10.0.0.0/8 do not flag every internal connection. Also tells a feed refresh which of its indicators can
/// never match, which it reports rather than let an internal address from a case's own list go unmatched unsaid.
/// </summary>
public sealed class AllowList
{
    public static readonly IReadOnlyList<string> DefaultRanges =
    [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
        "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32", "::1/128", "::/128", "fc00::/7", "fe80::/10", "ff00::/8",
    ];

    public static AllowList Default { get; } = new(null);

    // Each range's prefix length: a CIDR indicator is covered when a range containing its first address is no narrower.
    private readonly PrefixTrie<int> _ranges = new();

    public AllowList(IEnumerable<string>? ranges)
    {
        foreach (var cidr in ranges ?? DefaultRanges)
        {
            var network = IPNetwork.Parse(cidr);
            _ranges.Add(network, network.PrefixLength);
        }
    }

    public bool Contains(IPAddress address) => _ranges.AnyContaining(address);

    /// <summary>True for an address indicator inside the list, or a CIDR indicator wholly inside it: it never matches.</summary>
    public bool Covers(Indicator indicator)
    {
        switch (indicator.Type)
        {
            case IndicatorType.Ipv4 or IndicatorType.Ipv6:
                return IPAddress.TryParse(indicator.Value, out var ip) && Contains(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
            case IndicatorType.Cidr when IPNetwork.TryParse(indicator.Value, out var network):
                var found = new List<int>(1);
                _ranges.FindContaining(network.BaseAddress, found);
                return found.Exists(prefix => prefix <= network.PrefixLength);
            default:
                return false;
        }
    }
}
