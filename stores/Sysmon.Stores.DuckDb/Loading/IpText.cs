using System.Net;
using System.Net.Sockets;
using Sysmon.Queries;

namespace Sysmon.Stores.DuckDb.Loading;

/// <summary>
/// An address as Elasticsearch shows an ip value: IPv6 in its shortest form, an IPv4-mapped one as IPv4. Sysmon writes
/// IPv6 unabbreviated (<c>fe80:0:0:0:2c8e:1d1b:8a7e:40b2</c>); ES|QL on Elasticsearch returns <c>fe80::2c8e:1d1b:8a7e:40b2</c>,
/// and the embedded store's columns now hold what a query there returns. The document's other copies keep Sysmon's text.
/// </summary>
internal static class IpText
{
    /// <summary><paramref name="text"/> in that form; anything that is no IPv6 address (IPv4 is written one way) as it is.</summary>
    public static string Canonical(string text)
    {
        if (!text.Contains(':', StringComparison.Ordinal) || !IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return text;
        }
        return IpNumbers.Shown(ip);
    }
}
