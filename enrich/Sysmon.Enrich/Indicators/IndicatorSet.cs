using System.Collections.Frozen;
using System.Net;

namespace Sysmon.Enrich.Indicators;

/// <summary>
/// An immutable in-memory index of indicators, built once per refresh and swapped atomically by its owner:
/// exact IPv4/IPv6 addresses, CIDR containment through a prefix trie, hashes, and domains (exact and, when asked,
/// parent domains). Addresses in the allow-list (private and special ranges by default) never match, so broad
/// feeds that list 10.0.0.0/8 do not flag every internal connection.
/// </summary>
public sealed class IndicatorSet
{
    public static IReadOnlyList<string> DefaultAllowList => AllowList.DefaultRanges;

    public static IndicatorSet Empty { get; } = new([], null, matchParentDomains: false);

    private readonly FrozenDictionary<string, Indicator[]> _exact;
    private readonly PrefixTrie<Indicator> _cidrs = new();
    private readonly AllowList _allow;
    private readonly bool _matchParentDomains;

    public int Count { get; }
    public bool IsEmpty => Count == 0;

    public IndicatorSet(IEnumerable<Indicator> indicators, IEnumerable<string>? allowList, bool matchParentDomains)
    {
        _matchParentDomains = matchParentDomains;
        // Arrays grown on the rare shared key (one value in two feeds), not a list per key: a list each for 1,000,000
        // hashes was ~80 MB more at the peak of the build.
        var exact = new Dictionary<string, Indicator[]>(StringComparer.Ordinal);
        var count = 0;
        foreach (var indicator in indicators)
        {
            count++;
            if (indicator.Type == IndicatorType.Cidr)
            {
                _cidrs.Add(IPNetwork.Parse(indicator.Value), indicator);
                continue;
            }
            var key = indicator.Type is IndicatorType.Url ? "url|" + indicator.Value : indicator.Value;
            ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(exact, key, out _);
            slot = slot is null ? [indicator] : [.. slot, indicator];
        }
        _exact = exact.ToFrozenDictionary(StringComparer.Ordinal);
        _allow = allowList is null ? AllowList.Default : new AllowList(allowList);
        Count = count;
    }

    /// <summary>Indicators matching an IP (exact or containing block); none for allow-listed addresses.</summary>
    public void MatchIp(string text, List<Indicator> into)
    {
        if (IsEmpty || !IPAddress.TryParse(text, out var ip)) return;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        if (_allow.Contains(ip)) return;
        if (_exact.TryGetValue(ip.ToString(), out var exact)) into.AddRange(exact);
        _cidrs.FindContaining(ip, into);
    }

    /// <summary>Indicators matching a hash (any case).</summary>
    public void MatchHash(string hash, List<Indicator> into)
    {
        if (IsEmpty) return;
        if (_exact.TryGetValue(hash.ToLowerInvariant(), out var found)) into.AddRange(found);
    }

    /// <summary>Indicators matching a domain, and its parent domains when configured.</summary>
    public void MatchDomain(string domain, List<Indicator> into)
    {
        if (IsEmpty) return;
        var name = domain.TrimEnd('.').ToLowerInvariant();
        while (name.Length > 0)
        {
            if (_exact.TryGetValue(name, out var found)) into.AddRange(found);
            if (!_matchParentDomains) return;
            var dot = name.IndexOf('.');
            if (dot < 0 || name.IndexOf('.', dot + 1) < 0) return; // stop before the bare top-level domain
            name = name[(dot + 1)..];
        }
    }
}
