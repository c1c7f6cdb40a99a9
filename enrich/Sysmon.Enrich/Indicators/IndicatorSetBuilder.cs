using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Sysmon.Enrich.Indicators;

/// <summary>
/// Gathers indicators one at a time, straight from a store's reader, into the packed tables an
/// <see cref="IndicatorSet"/> answers from: addresses and hashes as bytes, and what they share (type, feed,
/// confidence, TLP, description) once per distinct combination, not once per indicator. A million hashes of one
/// feed are ~44 MB here; as a million indicator objects and hex strings they were ~530 MB at the peak of a load.
/// </summary>
public sealed class IndicatorSetBuilder
{
    internal FixedKeyTable Ipv4 { get; } = new(4);
    internal FixedKeyTable Ipv6 { get; } = new(16);
    internal FixedKeyTable Md5 { get; } = new(16);
    internal FixedKeyTable Sha1 { get; } = new(20);
    internal FixedKeyTable Sha256 { get; } = new(32);

    /// <summary>Domains, and the rare address, block or hash whose text does not decode (a store edited by hand or written by
    /// another tool): kept and counted, matched by its text, never a failed load.</summary>
    internal Dictionary<string, int[]> ByText { get; } = new(StringComparer.Ordinal);

    internal PrefixTrie<Indicator> Cidrs { get; } = new();

    /// <summary>Each distinct indicator but for its value; a match is this with the value put back.</summary>
    internal List<Indicator> Profiles { get; } = [];

    private readonly Dictionary<Indicator, int> _profileIds = new(AllButValue.Instance);

    public int Count { get; private set; }

    public void Add(Indicator indicator)
    {
        Count++;
        switch (indicator.Type)
        {
            case IndicatorType.Cidr when IPNetwork.TryParse(indicator.Value, out var network):
                Cidrs.Add(network, indicator);
                return;
            case IndicatorType.Url:
                return; // counted, not indexed: no event field is matched against URLs
        }
        Span<byte> key = stackalloc byte[32];
        var table = KeyOf(indicator, key, out var length);
        if (table is null)
        {
            var text = indicator.Type == IndicatorType.Domain ? indicator.Value : indicator.Value.ToLowerInvariant();
            ref var ids = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(ByText, text, out _);
            ids = ids is null ? [ProfileOf(indicator)] : [.. ids, ProfileOf(indicator)];
            return;
        }
        table.Add(key[..length], ProfileOf(indicator));
    }

    /// <summary>The set, once; the builder is spent after it.</summary>
    public IndicatorSet Build(IEnumerable<string>? allowList, bool matchParentDomains) => new(Seal(), allowList, matchParentDomains);

    /// <summary>Indexes the tables; what only the build needed is let go (the set keeps the tables, not the builder).</summary>
    internal IndicatorSetBuilder Seal()
    {
        foreach (var table in (ReadOnlySpan<FixedKeyTable>)[Ipv4, Ipv6, Md5, Sha1, Sha256]) table.Seal();
        _profileIds.Clear();
        _profileIds.TrimExcess();
        return this;
    }

    // The table an address or hash goes in, by what its text decodes to (an IPv4-mapped IPv6 address is an IPv4 one,
    // as events' addresses are looked up); null when it does not decode as its type says.
    private FixedKeyTable? KeyOf(Indicator indicator, Span<byte> key, out int length)
    {
        length = 0;
        switch (indicator.Type)
        {
            case IndicatorType.Ipv4 or IndicatorType.Ipv6:
                if (!IPAddress.TryParse(indicator.Value, out var ip)) return null;
                if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
                if (!ip.TryWriteBytes(key, out length)) return null;
                return ip.AddressFamily == AddressFamily.InterNetwork ? Ipv4 : Ipv6;
            case IndicatorType.Md5 or IndicatorType.Sha1 or IndicatorType.Sha256:
                return TryDecodeHash(indicator.Value, key, out length) ? length switch { 16 => Md5, 20 => Sha1, _ => Sha256 } : null;
            default:
                return null;
        }
    }

    /// <summary>A hash's hex digits (any case; 32, 40 or 64 of them) as bytes; false when they are not one.</summary>
    internal static bool TryDecodeHash(string hex, Span<byte> key, out int length)
    {
        length = 0;
        return hex.Length is 32 or 40 or 64 && Convert.FromHexString(hex, key, out _, out length) == OperationStatus.Done;
    }

    private int ProfileOf(Indicator indicator)
    {
        ref var id = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_profileIds, indicator, out var known);
        if (!known)
        {
            id = Profiles.Count;
            Profiles.Add(indicator with { Value = "" });
        }
        return id;
    }

    private sealed class AllButValue : IEqualityComparer<Indicator>
    {
        public static readonly AllButValue Instance = new();

        public bool Equals(Indicator? x, Indicator? y) =>
            x!.Type == y!.Type && x.Feed == y.Feed && x.Confidence == y.Confidence && x.Tlp == y.Tlp
            && x.Description == y.Description && x.Reference == y.Reference;

        public int GetHashCode(Indicator i) => HashCode.Combine(i.Type, i.Feed, i.Confidence, i.Tlp, i.Description, i.Reference);
    }
}
