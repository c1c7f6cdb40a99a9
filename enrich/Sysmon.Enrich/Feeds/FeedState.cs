using System.Text.Json.Serialization;

namespace Sysmon.Enrich.Feeds;

/// <summary>What is known of a feed's last refreshes (shown by <c>feeds list</c>).</summary>
public sealed class FeedState
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("indicators")] public int Indicators { get; set; }
    [JsonPropertyName("rejected")] public int Rejected { get; set; }
    [JsonPropertyName("lastSuccess")] public DateTimeOffset? LastSuccess { get; set; }
    [JsonPropertyName("lastAttempt")] public DateTimeOffset? LastAttempt { get; set; }
    [JsonPropertyName("lastError")] public string? LastError { get; set; }
    [JsonPropertyName("etag")] public string? ETag { get; set; }
    [JsonPropertyName("lastModified")] public string? LastModified { get; set; }
    /// <summary>The definition the set was made with (<see cref="FeedDefinition.Fingerprint"/>).</summary>
    [JsonPropertyName("definition")] public string? Definition { get; set; }
}
