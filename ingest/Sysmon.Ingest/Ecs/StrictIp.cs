using System.Net;
using System.Net.Sockets;

namespace Sysmon.Ingest.Ecs;

/// <summary>
/// IP validation that accepts only what Elasticsearch's <c>ip</c> type accepts: four decimal octets without
/// leading zeros for IPv4 (.NET also takes "010.0.0.1", "1.2.3", "16909060"), or an IPv6 address.
/// </summary>
public static class StrictIp
{
    public static bool TryParse(ReadOnlySpan<char> text, out IPAddress? address)
    {
        address = null;
        if (text.IsEmpty || text.Length > 45) return false;
        if (text.Contains(':'))
        {
            if (!IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6) return false;
            address = v6;
            return true;
        }
        if (!IsDottedQuad(text)) return false;
        return IPAddress.TryParse(text, out address);
    }

    public static bool IsValid(ReadOnlySpan<char> text) => TryParse(text, out _);

    private static bool IsDottedQuad(ReadOnlySpan<char> s)
    {
        var octets = 0;
        var i = 0;
        while (i <= s.Length)
        {
            var start = i;
            var value = 0;
            while (i < s.Length && s[i] >= '0' && s[i] <= '9')
            {
                value = value * 10 + (s[i] - '0');
                if (value > 255) return false;
                i++;
            }
            var len = i - start;
            if (len == 0 || (len > 1 && s[start] == '0')) return false;
            octets++;
            if (i == s.Length) break;
            if (s[i] != '.' || octets == 4) return false;
            i++;
        }
        return octets == 4;
    }
}
