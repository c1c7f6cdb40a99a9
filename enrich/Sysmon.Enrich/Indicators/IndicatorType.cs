namespace Sysmon.Enrich.Indicators;

/// <summary>What an indicator is; the ECS <c>threat.indicator.type</c> names (STIX cyber-observable types).</summary>
public enum IndicatorType { Ipv4, Ipv6, Cidr, Md5, Sha1, Sha256, Domain, Url }

public static class IndicatorTypes
{
    /// <summary>A stored kind: one name of <see cref="IndicatorType"/> in any case (a row added by hand); never a
    /// number or a list of names, which <c>Enum.TryParse</c> takes ("Sha256,Md5" is <see cref="IndicatorType.Url"/>).</summary>
    public static bool TryParseStored(string? kind, out IndicatorType type)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (!string.Equals(kind, Names[i], StringComparison.OrdinalIgnoreCase)) continue;
            type = Values[i];
            return true;
        }
        type = default;
        return false;
    }

    // Read once: a load reads a kind per stored indicator (a million for a big hash feed).
    private static readonly string[] Names = Enum.GetNames<IndicatorType>();
    private static readonly IndicatorType[] Values = Enum.GetValues<IndicatorType>();

    public static string EcsName(this IndicatorType type) => type switch
    {
        IndicatorType.Ipv4 => "ipv4-addr",
        IndicatorType.Ipv6 => "ipv6-addr",
        IndicatorType.Cidr => "ipv4-addr",
        IndicatorType.Md5 or IndicatorType.Sha1 or IndicatorType.Sha256 => "file",
        IndicatorType.Domain => "domain-name",
        _ => "url",
    };
}
