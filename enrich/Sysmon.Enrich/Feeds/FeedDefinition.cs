using System.Text.Json.Serialization;
using Sysmon.Enrich.Formats;

namespace Sysmon.Enrich.Feeds;

/// <summary>
/// One feed, as scripts write it in a --feeds file (<c>{"feeds":[{"name":…,"url":…,"format":…,"type":…,
/// "column":…,"schedule":…,"enabled":…}]}</c>) or in the <c>feeds</c> section of appsettings.json.
/// </summary>
public sealed class FeedDefinition
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    /// <summary>https://, http:// or file:// (a relative file path is also accepted).</summary>
    [JsonPropertyName("url")] public string Url { get; set; } = "";
    /// <summary>plain, csv, abusech-json, spamhaus-drop, netset, stix2 or auto.</summary>
    [JsonPropertyName("format")] public string Format { get; set; } = "auto";
    /// <summary>The indicator type when the format does not say (informational; values are classified anyway).</summary>
    [JsonPropertyName("type")] public string? Type { get; set; }
    /// <summary>CSV: the value column, by name or 1-based number.</summary>
    [JsonPropertyName("column")] public string? Column { get; set; }
    /// <summary>Quartz cron expression, e.g. "0 0 */6 * * ?".</summary>
    [JsonPropertyName("schedule")] public string Schedule { get; set; } = "0 0 */6 * * ?";
    [JsonPropertyName("confidence")] public string? Confidence { get; set; }
    [JsonPropertyName("tlp")] public string? Tlp { get; set; }
    [JsonPropertyName("enabled")] public bool Enabled { get; set; } = true;
    /// <summary>Name of the environment variable holding an API key sent as the Auth-Key header (abuse.ch).</summary>
    [JsonPropertyName("authKeyEnv")] public string? AuthKeyEnvironmentVariable { get; set; }

    public FeedFormat ParsedFormat => FeedFormats.Parse(Format);

    /// <summary>What the stored set was made from besides the payload (where, how it is read, what it is stamped
    /// with), as a short hash: a payload that has not changed is kept only while this has not changed either.</summary>
    [JsonIgnore]
    public string Fingerprint => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes(string.Join('\n', Url, Format, Column, Confidence, Tlp))))[..16];
}

public sealed class FeedsFile
{
    [JsonPropertyName("feeds")] public List<FeedDefinition> Feeds { get; set; } = [];
}
