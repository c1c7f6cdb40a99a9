using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;
using Sysmon.Ingest.Ecs;
using Sysmon.Queries;

namespace Sysmon.Stores.Elasticsearch.Indicators;

/// <summary>
/// How indicators and alerts look as documents. An indicator carries its value in the field its enrich policy
/// matches on: IPs and CIDRs as <c>indicator_range</c> (single addresses as /32 or /128, since <c>ip_range</c>
/// refuses a bare IP) and single IPs also in <c>threat.indicator.ip</c>; hashes in <c>indicator_hash</c> and
/// <c>threat.indicator.file.hash.*</c>; domains in <c>threat.indicator.url.domain</c>.
/// </summary>
public static class IndicatorDocument
{
    private static readonly (BigIntegerRange Range, string Cidr)[] AllowList = IndicatorSet.DefaultAllowList
        .Select(c => (new BigIntegerRange(IpNumbers.Range(c)), c)).ToArray();

    private readonly record struct BigIntegerRange(System.Numerics.BigInteger First, System.Numerics.BigInteger Last)
    {
        public BigIntegerRange((System.Numerics.BigInteger First, System.Numerics.BigInteger Last) r) : this(r.First, r.Last) { }
    }

    /// <summary>True for an address or block wholly inside the private/special ranges that never match at ingest
    /// (FireHOL level 1 lists 10.0.0.0/8 on purpose): enrich policies cannot apply an allow-list, so these are not indexed.</summary>
    public static bool IsAllowListed(Indicator indicator)
    {
        if (Range(indicator) is not { } cidr) return false;
        var (first, last) = IpNumbers.Range(cidr);
        foreach (var (allow, _) in AllowList) if (first >= allow.First && last <= allow.Last) return true;
        return false;
    }

    /// <summary>The indicator's <c>ip_range</c> value, or null for hashes and domains.</summary>
    public static string? Range(Indicator i) => i.Type switch
    {
        IndicatorType.Ipv4 => i.Value + "/32",
        IndicatorType.Ipv6 => i.Value + "/128",
        IndicatorType.Cidr => i.Value,
        _ => null,
    };

    /// <summary>Set (true) on an indicator whose retro-hunt has not finished; removed once it has.</summary>
    public const string PendingField = "retro_hunt_pending";

    /// <summary>Whether an indicator document read back carries <see cref="PendingField"/>.</summary>
    public static bool IsPending(System.Text.Json.JsonElement source) =>
        source.TryGetProperty(PendingField, out var flag) && flag.ValueKind == System.Text.Json.JsonValueKind.True;

    public static EcsDocument From(Indicator i, string firstSeen, string now, bool retroHuntPending = false)
    {
        var doc = new EcsDocument { Id = i.Id };
        doc.Set("@timestamp", now);
        doc.Set("indicator_id", i.Id);
        doc.Set("kind", i.Type.ToString());
        doc.Set("value", i.Value);
        doc.Set("event.kind", "enrichment");
        doc.Append("event.category", "threat");
        doc.Append("event.type", "indicator");
        doc.Set("threat.feed.name", i.Feed);
        var isV6 = i.Value.Contains(':', StringComparison.Ordinal);
        doc.Set("threat.indicator.type", i.Type == IndicatorType.Cidr && isV6 ? "ipv6-addr" : i.Type.EcsName());
        doc.Set("threat.indicator.name", i.Value);
        doc.Set("threat.indicator.provider", i.Feed);
        doc.Set("threat.indicator.first_seen", firstSeen);
        doc.Set("threat.indicator.last_seen", now);
        if (Range(i) is { } range) doc.Set("indicator_range", range);
        switch (i.Type)
        {
            case IndicatorType.Ipv4 or IndicatorType.Ipv6:
                doc.Set("threat.indicator.ip", i.Value); // already canonical (Indicator's contract)
                break;
            case IndicatorType.Md5 or IndicatorType.Sha1 or IndicatorType.Sha256:
                doc.Set("indicator_hash", i.Value);
                doc.Set("threat.indicator.file.hash." + i.Type.ToString().ToLowerInvariant(), i.Value);
                break;
            case IndicatorType.Domain:
                doc.Set("threat.indicator.url.domain", i.Value);
                break;
            case IndicatorType.Url:
                doc.Set("threat.indicator.url.full", i.Value);
                break;
        }
        if (i.Confidence is { } c) doc.Set("threat.indicator.confidence", c);
        if (i.Tlp is { } tlp) doc.Set("threat.indicator.marking.tlp", tlp);
        if (i.Reference is { } r) doc.Set("threat.indicator.reference", r);
        if (i.Description is { } d) doc.Set("threat.indicator.description", d);
        if (retroHuntPending) doc.Set(PendingField, EcsValue.Of(true));
        return doc;
    }

    public static EcsDocument From(Alert a)
    {
        var doc = new EcsDocument { Id = a.Id };
        doc.Set("@timestamp", HuntValue.ToText(a.Timestamp)!);
        doc.Set("event.kind", "alert");
        doc.Append("event.category", "threat");
        doc.Append("event.type", "indicator");
        doc.Set("event.id", a.EventId);
        if (a.EventCode is { } code) doc.Set("event.code", code);
        if (a.Host is { } host) doc.Set("host.name", host);
        doc.Set("sysmon.alert.id", a.Id);
        doc.Set("sysmon.alert.source", a.Source);
        var enrichment = new EcsDocument();
        enrichment.Set("matched.atomic", a.MatchedAtomic);
        enrichment.Set("matched.field", a.MatchedField);
        enrichment.Set("matched.id", a.IndicatorId);
        enrichment.Set("matched.type", "indicator_match");
        enrichment.Set("indicator.provider", a.Feed);
        doc.Set("threat.enrichments", EcsValue.Of(new List<EcsDocument> { enrichment }));
        return doc;
    }
}
