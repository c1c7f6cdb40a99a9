using Sysmon.Enrich.Indicators;
using Sysmon.Enrich.Matching;
using Sysmon.Ingest.Ecs;

namespace Sysmon.Stores.Elasticsearch.Tests;

/// <summary>One mapped, tagged document per Sysmon event id (the realistic samples the ingest tests use), so the
/// resource tests can check the templates against what the mapper really writes.</summary>
public static class MappedDocuments
{
    public static async Task<List<EcsDocument>> AllAsync()
    {
        var docs = await Ingest.Tests.Fixtures.Convert.MappedSamplesAsync();
        // Indicators for values the samples carry, so threat.enrichments is written too.
        var values = docs.SelectMany(d => new[] { d.GetString("destination.ip"), d.GetString("process.hash.sha256"), d.GetString("dns.question.name") })
            .OfType<string>().Distinct().ToList();
        var indicators = new List<Indicator>();
        foreach (var v in values) if (IndicatorParser.TryParse(v, "test-feed", out var i, out _)) indicators.Add(i!);
        var set = new IndicatorSet(indicators, [], matchParentDomains: false);
        var tagger = new EventTagger(() => set);
        foreach (var d in docs) tagger.Tag(d);
        return docs;
    }

    /// <summary>Every dotted path a document holds (objects in arrays included), except the free-form event data.</summary>
    public static IEnumerable<string> Paths(EcsDocument doc, string prefix = "")
    {
        foreach (var (path, value) in doc.Fields)
        {
            var full = prefix + path;
            if (value.Kind == EcsValueKind.Objects)
            {
                foreach (var child in value.AsObjects) foreach (var p in Paths(child, full + ".")) yield return p;
            }
            else if (value.Kind == EcsValueKind.Map)
            {
                foreach (var (key, _) in value.AsMap) yield return full + "." + key;
            }
            else yield return full;
        }
    }
}
