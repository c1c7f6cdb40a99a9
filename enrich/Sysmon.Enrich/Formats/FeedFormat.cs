namespace Sysmon.Enrich.Formats;

/// <summary>The feed formats (the names scripts use in --feeds files).</summary>
public enum FeedFormat { Auto, Plain, Csv, AbuseChJson, SpamhausDrop, Netset, Stix2 }

public static class FeedFormats
{
    public static FeedFormat Parse(string? name) => (name ?? "auto").ToLowerInvariant() switch
    {
        "auto" => FeedFormat.Auto,
        "plain" => FeedFormat.Plain,
        "csv" => FeedFormat.Csv,
        "abusech-json" => FeedFormat.AbuseChJson,
        "spamhaus-drop" => FeedFormat.SpamhausDrop,
        "netset" => FeedFormat.Netset,
        "stix2" => FeedFormat.Stix2,
        _ => throw new ArgumentException($"feed format '{name}' is not one of plain, csv, abusech-json, spamhaus-drop, netset, stix2, auto"),
    };

    /// <summary>Guesses the format of a payload from its first non-comment content.</summary>
    public static FeedFormat Sniff(string content)
    {
        var trimmed = content.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (trimmed.StartsWith('{') && trimmed.Contains("\"type\"", StringComparison.Ordinal) && trimmed.Contains("bundle", StringComparison.Ordinal)) return FeedFormat.Stix2;
        if (trimmed.StartsWith('{') && trimmed.Contains("\"cidr\"", StringComparison.Ordinal)) return FeedFormat.SpamhausDrop;
        if (trimmed.StartsWith('[') || trimmed.StartsWith('{')) return FeedFormat.AbuseChJson;
        if (trimmed.StartsWith(';') && trimmed.Contains("Spamhaus", StringComparison.OrdinalIgnoreCase)) return FeedFormat.SpamhausDrop;
        foreach (var line in trimmed.Split('\n').Take(200))
        {
            var l = line.Trim();
            if (l.Length == 0) continue;
            if (l.StartsWith('#'))
            {
                if (l.Contains(',', StringComparison.Ordinal) && l.Count(c => c == ',') >= 2) return FeedFormat.Csv;
                continue;
            }
            if (l.StartsWith('"') || l.Count(c => c == ',') >= 2) return FeedFormat.Csv;
            break;
        }
        return FeedFormat.Plain;
    }
}
