using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;

namespace Sysmon.Enrich.Indicators;

/// <summary>
/// An immutable in-memory index of indicators, built once per refresh (by an <see cref="IndicatorSetBuilder"/>) and
/// swapped atomically by its owner: exact IPv4/IPv6 addresses and hashes as packed bytes, CIDR containment through a
/// prefix trie, and domains (exact and, when asked, parent domains). Addresses in the allow-list (private and special
/// ranges by default) never match, so broad feeds that list 10.0.0.0/8 do not flag every internal connection.
/// </summary>
public sealed class IndicatorSet
{
    public static IReadOnlyList<string> DefaultAllowList => AllowList.DefaultRanges;

    public static IndicatorSet Empty { get; } = new([], null, matchParentDomains: false);

    private readonly FixedKeyTable _ipv4, _ipv6, _md5, _sha1, _sha256;
    private readonly PrefixTrie<Indicator> _cidrs;
    private readonly FrozenDictionary<string, int[]> _byText;
    private readonly Indicator[] _profiles;
    private readonly AllowList _allow;
    private readonly bool _matchParentDomains;

    public int Count { get; }
    public bool IsEmpty => Count == 0;

    /// <summary>The stored indicators the load that built this left out (<see cref="ActiveIndicators.LoadSetAsync"/>).</summary>
    public SkippedIndicators Skipped { get; internal set; }

    public IndicatorSet(IEnumerable<Indicator> indicators, IEnumerable<string>? allowList, bool matchParentDomains)
        : this(Gather(indicators).Seal(), allowList, matchParentDomains)
    {
    }

    internal IndicatorSet(IndicatorSetBuilder built, IEnumerable<string>? allowList, bool matchParentDomains)
    {
        (_ipv4, _ipv6, _md5, _sha1, _sha256, _cidrs) = (built.Ipv4, built.Ipv6, built.Md5, built.Sha1, built.Sha256, built.Cidrs);
        _byText = built.ByText.ToFrozenDictionary(StringComparer.Ordinal);
        built.ByText.Clear();
        _profiles = [.. built.Profiles];
        built.Profiles.Clear();
        _allow = allowList is null ? AllowList.Default : new AllowList(allowList);
        _matchParentDomains = matchParentDomains;
        Count = built.Count;
    }

    private static IndicatorSetBuilder Gather(IEnumerable<Indicator> indicators)
    {
        var builder = new IndicatorSetBuilder();
        foreach (var indicator in indicators) builder.Add(indicator);
        return builder;
    }

    /// <summary>Indicators matching an IP (exact or containing block); none for allow-listed addresses.</summary>
    public void MatchIp(string text, List<Indicator> into)
    {
        if (IsEmpty || !IPAddress.TryParse(text, out var ip)) return;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        if (_allow.Contains(ip)) return;
        Span<byte> key = stackalloc byte[16];
        if (ip.TryWriteBytes(key, out var length))
        {
            Collect(ip.AddressFamily == AddressFamily.InterNetwork ? _ipv4 : _ipv6, key[..length], isHash: false, into);
        }
        _cidrs.FindContaining(ip, into);
    }

    /// <summary>Indicators matching a hash (any case).</summary>
    public void MatchHash(string hash, List<Indicator> into)
    {
        if (IsEmpty) return;
        Span<byte> key = stackalloc byte[32];
        if (IndicatorSetBuilder.TryDecodeHash(hash, key, out var length)) Collect(length switch { 16 => _md5, 20 => _sha1, _ => _sha256 }, key[..length], isHash: true, into);
        else CollectText(hash.ToLowerInvariant(), into);
    }

    /// <summary>Indicators matching a domain, and its parent domains when configured.</summary>
    public void MatchDomain(string domain, List<Indicator> into)
    {
        if (IsEmpty) return;
        var name = domain.TrimEnd('.').ToLowerInvariant();
        while (name.Length > 0)
        {
            CollectText(name, into);
            if (!_matchParentDomains) return;
            var dot = name.IndexOf('.');
            if (dot < 0 || name.IndexOf('.', dot + 1) < 0) return; // stop before the bare top-level domain
            name = name[(dot + 1)..];
        }
    }

    // Each entry of the key, as its indicator: the shared part with the value put back in canonical form.
    private void Collect(FixedKeyTable? table, ReadOnlySpan<byte> key, bool isHash, List<Indicator> into)
    {
        if (table is null) return;
        var position = -1;
        string? value = null;
        for (int id; (id = table.Next(key, ref position)) >= 0;)
        {
            value ??= isHash ? Convert.ToHexStringLower(key) : new IPAddress(key).ToString();
            into.Add(_profiles[id] with { Value = value });
        }
    }

    private void CollectText(string value, List<Indicator> into)
    {
        if (!_byText.TryGetValue(value, out var ids)) return;
        foreach (var id in ids) into.Add(_profiles[id] with { Value = value });
    }
}
