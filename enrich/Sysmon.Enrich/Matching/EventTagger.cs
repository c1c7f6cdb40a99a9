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

    /// <summary>Every matched field with how it is matched, in the order the tagger looks.</summary>
    public static readonly ImmutableArray<(string Field, MatchKind Kind)> Fields =
    [
        .. IpFields.Select(f => (f, MatchKind.Address)), .. HashFields.Select(f => (f, MatchKind.Hash)),
        .. DomainFields.Select(f => (f, MatchKind.Domain)),
    ];

    public List<Alert>? Tag(EcsDocument doc)
    {
        var set = indicators();
        if (set.IsEmpty) return null;
        List<Alert>? alerts = null;
        var found = new List<Indicator>(2);
        foreach (var (field, kind) in Fields) Match(doc, field, kind, set, found, ref alerts);
        return alerts;
    }

    /// <summary>The indicators of <paramref name="set"/> that <paramref name="value"/> matches as <paramref name="kind"/>
    /// (none for an allow-listed address), added to <paramref name="into"/>.</summary>
    public static void Lookup(IndicatorSet set, MatchKind kind, string value, List<Indicator> into)
    {
        switch (kind)
        {
            case MatchKind.Address: set.MatchIp(value, into); break;
            case MatchKind.Hash: set.MatchHash(value, into); break;
            default: set.MatchDomain(value, into); break;
        }
    }

    // A switch on the kind rather than a method-group delegate: one of those was allocated per field and event.
    private static void Match(EcsDocument doc, string field, MatchKind kind, IndicatorSet set, List<Indicator> found, ref List<Alert>? alerts)
    {
        if (doc.GetString(field) is not { } value) return;
        found.Clear();
        Lookup(set, kind, value, found);
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
