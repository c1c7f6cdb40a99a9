namespace Sysmon.Enrich.Indicators;

/// <summary>What an indicator is; the ECS <c>threat.indicator.type</c> names (STIX cyber-observable types).</summary>
public enum IndicatorType { Ipv4, Ipv6, Cidr, Md5, Sha1, Sha256, Domain, Url }

public static class IndicatorTypes
{
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
