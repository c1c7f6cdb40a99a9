using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sysmon.Ingest.Ecs;

namespace Sysmon.Enrich.Indicators;

/// <summary>
/// Turns one textual value from a feed into a normalised indicator, or says why it is not one. Refangs
/// (<c>1.2.3[.]4</c>, <c>hxxp://</c>), parses IPs strictly (no octal, no short forms), canonicalises CIDRs,
/// lower-cases hashes, IDNA-encodes domains. Never throws on input.
/// </summary>
public static class IndicatorParser
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    public static string Refang(string value) => value
        .Replace("[.]", ".", StringComparison.Ordinal).Replace("(.)", ".", StringComparison.Ordinal)
        .Replace("{.}", ".", StringComparison.Ordinal).Replace("[dot]", ".", StringComparison.OrdinalIgnoreCase)
        .Replace("[:]", ":", StringComparison.Ordinal).Replace("[://]", "://", StringComparison.Ordinal)
        .Replace("hxxps://", "https://", StringComparison.OrdinalIgnoreCase).Replace("hxxp://", "http://", StringComparison.OrdinalIgnoreCase)
        .Replace("[@]", "@", StringComparison.Ordinal);

    /// <summary>Classifies and normalises <paramref name="raw"/>; <paramref name="expected"/> forces a type when the feed says.</summary>
    public static bool TryParse(string raw, string feed, out Indicator? indicator, out string? error, IndicatorType? expected = null)
    {
        indicator = null;
        error = null;
        var text = Refang(raw.Trim().Trim('\uFEFF').Trim().Trim('"', '\''));
        if (text.Length == 0)
        {
            error = "empty value";
            return false;
        }
        if (TryHash(text, out var hashType, out var hash) && (expected is null || expected == hashType))
        {
            indicator = new Indicator(hashType, hash, feed);
            return true;
        }
        if (text.Contains('/') && !text.Contains("://", StringComparison.Ordinal))
        {
            if (TryCidr(text, out var cidr))
            {
                indicator = new Indicator(IndicatorType.Cidr, cidr, feed);
                return true;
            }
            error = $"'{Short(raw)}' is not a valid CIDR";
            return false;
        }
        if (StrictIp.TryParse(text, out var ip))
        {
            indicator = IpIndicator(ip!, feed);
            return true;
        }
        if (TryIpPort(text, out var withPort))
        {
            indicator = IpIndicator(withPort!, feed);
            return true;
        }
        if (text.Contains("://", StringComparison.Ordinal))
        {
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
            {
                indicator = new Indicator(IndicatorType.Url, text, feed);
                return true;
            }
            error = $"'{Short(raw)}' is not a valid URL";
            return false;
        }
        if (TryDomain(text, out var domain))
        {
            indicator = new Indicator(IndicatorType.Domain, domain, feed);
            return true;
        }
        error = LooksNumeric(text) ? $"'{Short(raw)}' is not a valid IP address (four decimal octets expected)" : $"'{Short(raw)}' is not an IP, CIDR, hash, domain or URL";
        return false;
    }

    private static Indicator IpIndicator(IPAddress ip, string feed)
    {
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        return new Indicator(ip.AddressFamily == AddressFamily.InterNetwork ? IndicatorType.Ipv4 : IndicatorType.Ipv6, ip.ToString(), feed);
    }

    private static bool LooksNumeric(string s) => s.All(c => char.IsAsciiDigit(c) || c is '.' or 'x' or 'X');

    private static bool TryHash(string s, out IndicatorType type, out string hash)
    {
        type = default;
        hash = "";
        if (!s.All(char.IsAsciiHexDigit)) return false;
        switch (s.Length)
        {
            case 32: type = IndicatorType.Md5; break;
            case 40: type = IndicatorType.Sha1; break;
            case 64: type = IndicatorType.Sha256; break;
            default: return false;
        }
        hash = s.ToLowerInvariant();
        return true;
    }

    /// <summary>A CIDR with a strictly parsed address, canonicalised (host bits cleared); a bare IP is not a CIDR.</summary>
    public static bool TryCidr(string s, out string cidr)
    {
        cidr = "";
        var slash = s.IndexOf('/');
        if (slash <= 0 || !StrictIp.TryParse(s.AsSpan(0, slash), out var address)) return false;
        if (!int.TryParse(s.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)) return false;
        var bits = address!.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefix < 0 || prefix > bits) return false;
        var network = new IPNetwork(Mask(address, prefix), prefix);
        cidr = network.ToString();
        return true;
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }

    // "203.0.113.50:443" (IPv4 only) or "[2001:db8::1]:443".
    private static bool TryIpPort(string s, out IPAddress? ip)
    {
        ip = null;
        if (s.StartsWith('['))
        {
            var end = s.IndexOf("]:", StringComparison.Ordinal);
            return end > 0 && StrictIp.TryParse(s.AsSpan(1, end - 1), out ip);
        }
        var colon = s.LastIndexOf(':');
        if (colon <= 0 || s.IndexOf(':') != colon) return false;
        return ushort.TryParse(s.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _) &&
               StrictIp.TryParse(s.AsSpan(0, colon), out ip) && ip!.AddressFamily == AddressFamily.InterNetwork;
    }

    private static bool TryDomain(string s, out string domain)
    {
        domain = "";
        var name = s.TrimEnd('.');
        if (name.Length == 0 || name.Length > 253 || !name.Contains('.') || name.Any(char.IsWhiteSpace)) return false;
        try
        {
            domain = Idn.GetAscii(name).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return false;
        }
        if (LooksNumeric(domain)) return false;
        var labels = domain.Split('.');
        // A top-level domain starts with a letter (or is an IDNA "xn--" label): "0x7f.1" is not a domain.
        return labels.All(l => l.Length is > 0 and <= 63) && char.IsAsciiLetter(labels[^1][0]);
    }

    private static string Short(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
