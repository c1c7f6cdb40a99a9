using System.Collections.Immutable;
using Sysmon.Enrich.Indicators;
using Sysmon.Ingest.Ecs;

namespace Sysmon.Enrich.Matching;

/// <summary>
/// Tags an ECS document with <c>threat.enrichments[]</c> for every indicator its addresses, hashes or domains
/// match, and returns the alerts to raise. With no indicators loaded it returns at once (no cost at ingest).
/// </summary>
public sealed class EventTagger(Func<IndicatorSet> indicators)
{
    /// <summary>The fields matched against addresses (exact and containing blocks).</summary>
    public static readonly ImmutableArray<string> IpFields = ["destination.ip", "source.ip"];

    /// <summary>The fields matched against hashes.</summary>
    public static readonly ImmutableArray<string> HashFields =
    [
        "process.hash.sha256", "process.hash.sha1", "process.hash.md5", "file.hash.sha256", "file.hash.sha1", "file.hash.md5",
        "dll.hash.sha256", "dll.hash.sha1", "dll.hash.md5",
    ];

    /// <summary>The fields matched against domains.</summary>
    public static readonly ImmutableArray<string> DomainFields = ["dns.question.name", "url.domain"];

    public List<Alert>? Tag(EcsDocument doc)
    {
        var set = indicators();
        if (set.IsEmpty) return null;
        List<Alert>? alerts = null;
        var found = new List<Indicator>(2);
        foreach (var field in IpFields) Match(doc, field, found, set.MatchIp, ref alerts);
        foreach (var field in HashFields) Match(doc, field, found, set.MatchHash, ref alerts);
        foreach (var field in DomainFields) Match(doc, field, found, set.MatchDomain, ref alerts);
        return alerts;
    }

    private static void Match(EcsDocument doc, string field, List<Indicator> found, Action<string, List<Indicator>> lookup, ref List<Alert>? alerts)
    {
        if (doc.GetString(field) is not { } value) return;
        found.Clear();
        lookup(value, found);
        if (found.Count == 0) return;
        if (!doc.TryGet("threat.enrichments", out var existing))
        {
            existing = EcsValue.Of(new List<EcsDocument>());
            doc.Set("threat.enrichments", existing);
        }
        var timestamp = doc.GetString("@timestamp") is { } ts && DateTimeOffset.TryParse(ts, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.UtcNow;
        foreach (var indicator in found)
        {
            var enrichment = new EcsDocument();
            enrichment.Set("matched.atomic", value);
            enrichment.Set("matched.field", field);
            enrichment.Set("matched.type", "indicator_match");
            enrichment.Set("matched.id", indicator.Id);
            enrichment.Set("indicator.type", indicator.Type.EcsName());
            enrichment.Set("indicator.name", indicator.Value);
            enrichment.Set("indicator.provider", indicator.Feed);
            if (indicator.Confidence is { } c) enrichment.Set("indicator.confidence", c);
            if (indicator.Tlp is { } tlp) enrichment.Set("indicator.marking.tlp", tlp);
            if (indicator.Description is { } d) enrichment.Set("indicator.description", d);
            existing.AsObjects.Add(enrichment);
            (alerts ??= []).Add(new Alert(doc.Id ?? "", timestamp, doc.GetString("event.code"), doc.GetString("host.name"), field, value,
                indicator.Id, indicator.Feed, "ingest"));
        }
    }
}
