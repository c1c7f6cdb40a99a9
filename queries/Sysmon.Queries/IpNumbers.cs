using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace Sysmon.Queries;

/// <summary>
/// IP addresses as comparable 128-bit numbers (DuckDB has no inet extension here): IPv6 as is, IPv4 mapped into
/// ::ffff:0:0/96, so one column orders both and a CIDR is a BETWEEN range. One definition for the stores that write
/// the numeric twins (*_num) and the translated queries (CIDR_MATCH, ENRICH ranges) that compare against them.
/// </summary>
public static class IpNumbers
{
    /// <summary>The name of the numeric twin beside an IP field's text column (source.ip: source.ip_num).</summary>
    public static string TwinOf(string field) => field + "_num";

    /// <summary>An address as Elasticsearch shows an ip value: IPv6 in its shortest form, an IPv4-mapped one as IPv4.</summary>
    public static string Shown(IPAddress ip) => (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();

    public static BigInteger? From(string? text)
    {
        if (text is null || !IPAddress.TryParse(text, out var ip)) return null;
        return From(ip);
    }

    /// <summary>The same number as <see cref="From(string?)"/> without a BigInteger (a store writes one per network
    /// event).</summary>
    public static bool TryGetNumber(string? text, out UInt128 number)
    {
        number = default;
        if (text is null || !IPAddress.TryParse(text, out var ip)) return false;
        Span<byte> bytes = stackalloc byte[16];
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            ip.TryWriteBytes(bytes[..4], out _);
            number = ((UInt128)0xFFFF << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes);
            return true;
        }
        ip.TryWriteBytes(bytes, out _);
        number = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return true;
    }

    public static BigInteger From(IPAddress ip)
    {
        if (ip.AddressFamily == AddressFamily.InterNetwork) ip = ip.MapToIPv6();
        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out _);
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>The first and last number of a CIDR block (a bare address is its own /32 or /128).</summary>
    public static (BigInteger First, BigInteger Last) Range(string cidr) =>
        Range(cidr.Contains('/') ? IPNetwork.Parse(cidr) : new IPNetwork(IPAddress.Parse(cidr), IPAddress.Parse(cidr).AddressFamily == AddressFamily.InterNetwork ? 32 : 128));

    public static (BigInteger First, BigInteger Last) Range(IPNetwork network)
    {
        var first = From(network.BaseAddress);
        var bits = network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var size = BigInteger.One << (bits - network.PrefixLength);
        return (first, first + size - 1);
    }
}
