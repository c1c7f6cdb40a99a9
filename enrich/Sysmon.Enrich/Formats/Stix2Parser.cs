using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sysmon.Enrich.Indicators;

namespace Sysmon.Enrich.Formats;

/// <summary>
/// STIX 2.1 bundles: indicator objects with STIX patterns. Observations joined by OR are independent indicators;
/// a compound (AND inside or between observations) is skipped and counted, never guessed at. Revoked and
/// expired indicators and patterns in other languages are skipped.
/// </summary>
public static partial class Stix2Parser
{
    [GeneratedRegex(@"\[\s*(?<object>[a-z0-9-]+):(?<property>[a-z_]+(?:\.'[^']+'|\.[a-z0-9_-]+)?)\s*(?<op>=|ISSUBSET)\s*'(?<value>(?:[^'\\]|\\.)*)'\s*\]", RegexOptions.IgnoreCase)]
    private static partial Regex Atom();

    public static FeedParseResult Parse(string content, string feed, DateTimeOffset now)
    {
        using var doc = JsonDocument.Parse(content);
        return Parse(doc, feed, now);
    }

    public static FeedParseResult Parse(JsonDocument doc, string feed, DateTimeOffset now, FeedParseResult? into = null)
    {
        var result = into ?? new FeedParseResult();
        if (!doc.RootElement.TryGetProperty("objects", out var objects) || objects.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("not a STIX bundle: no 'objects' array");
        }
        var n = 0;
        foreach (var o in objects.EnumerateArray())
        {
            n++;
            if (!o.TryGetProperty("type", out var type) || type.GetString() != "indicator") continue;
            if (o.TryGetProperty("revoked", out var revoked) && revoked.ValueKind == JsonValueKind.True) continue;
            if (o.TryGetProperty("valid_until", out var until) && DateTimeOffset.TryParse(until.GetString(), CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal, out var expiry) && expiry < now)
            {
                continue;
            }
            if (o.TryGetProperty("pattern_type", out var language) && language.GetString() != "stix") continue;
            var pattern = o.TryGetProperty("pattern", out var p) ? p.GetString() ?? "" : "";
            var name = o.TryGetProperty("name", out var nm) ? nm.GetString() : null;
            foreach (var observation in SplitOr(pattern))
            {
                var atoms = Atom().Matches(observation);
                if (atoms.Count != 1 || observation.Contains(" AND ", StringComparison.OrdinalIgnoreCase))
                {
                    result.Reject(n, $"compound or unsupported pattern skipped: {Short(observation)}");
                    continue;
                }
                var atom = atoms[0];
                var value = atom.Groups["value"].Value.Replace("\\'", "'", StringComparison.Ordinal);
                var objectType = atom.Groups["object"].Value.ToLowerInvariant();
                if (objectType is not ("ipv4-addr" or "ipv6-addr" or "domain-name" or "url" or "file"))
                {
                    result.Reject(n, $"object type '{objectType}' is not matched against Sysmon events");
                    continue;
                }
                if (IndicatorParser.TryParse(value, feed, out var indicator, out var error))
                {
                    result.Add(indicator! with { Description = name });
                }
                else
                {
                    result.Reject(n, error!);
                }
            }
        }
        return result;
    }

    // Splits "[a] OR [b]" at top-level ORs (outside quotes and brackets).
    private static IEnumerable<string> SplitOr(string pattern)
    {
        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && quoted)
            {
                i++;
                continue;
            }
            if (c == '\'') quoted = !quoted;
            else if (!quoted && c == '[') depth++;
            else if (!quoted && c == ']') depth--;
            else if (!quoted && depth == 0 && string.Compare(pattern, i, " OR ", 0, 4, StringComparison.OrdinalIgnoreCase) == 0)
            {
                yield return pattern[start..i].Trim();
                start = i + 4;
                i += 3;
            }
        }
        yield return pattern[start..].Trim();
    }

    private static string Short(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
