using System.Text.Json;
using Sysmon.Enrich.Indicators;

namespace Sysmon.Enrich.Formats;

/// <summary>
/// abuse.ch JSON exports: Feodo Tracker's array of objects (<c>ip_address</c>), ThreatFox's object keyed by IOC id
/// holding arrays (<c>ioc_value</c>, <c>ioc_type</c>), the API envelope (<c>{"query_status":"ok","data":[…]}</c>),
/// and URLhaus/MalwareBazaar objects (<c>url</c>, <c>sha256_hash</c>). An error envelope is a failed payload.
/// </summary>
public static class AbuseChJsonParser
{
    private static readonly string[] ValueFields = ["ioc_value", "ioc", "ip_address", "url", "sha256_hash", "md5_hash", "sha1_hash", "domain"];

    public static FeedParseResult Parse(string content, string feed)
    {
        using var doc = JsonDocument.Parse(content);
        return Parse(doc, feed);
    }

    public static FeedParseResult Parse(JsonDocument doc, string feed, FeedParseResult? into = null)
    {
        var result = into ?? new FeedParseResult();
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("query_status", out var status) && status.GetString() != "ok")
        {
            throw new FormatException($"abuse.ch answered query_status '{status.GetString()}' (check the Auth-Key)");
        }
        var n = 0;
        foreach (var item in Items(root))
        {
            n++;
            if (item.ValueKind != JsonValueKind.Object)
            {
                result.Reject(n, "entry is not an object");
                continue;
            }
            string? value = null;
            foreach (var field in ValueFields)
            {
                if (item.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String)
                {
                    value = v.GetString();
                    break;
                }
            }
            if (value is null)
            {
                result.Reject(n, "entry has none of " + string.Join(", ", ValueFields));
                continue;
            }
            IndicatorType? expected = item.TryGetProperty("ioc_type", out var t) ? t.GetString() switch
            {
                "md5_hash" => IndicatorType.Md5,
                "sha1_hash" => IndicatorType.Sha1,
                "sha256_hash" => IndicatorType.Sha256,
                _ => null,
            } : null;
            result.AddValue(value, feed, n, expected);
        }
        return result;
    }

    private static IEnumerable<JsonElement> Items(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in root.EnumerateArray()) yield return e;
        }
        else if (root.ValueKind == JsonValueKind.Object)
        {
            if (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in data.EnumerateArray()) yield return e;
                yield break;
            }
            foreach (var property in root.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Array)
                {
                    foreach (var e in property.Value.EnumerateArray()) yield return e;
                }
                else if (property.Value.ValueKind == JsonValueKind.Object)
                {
                    yield return property.Value;
                }
            }
        }
    }
}
