using System.Text.Json;

namespace Sysmon.Enrich.Feeds;

/// <summary>Reads feed definitions from a --feeds file (the scripts' contract) and checks them.</summary>
public static class FeedCatalog
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static List<FeedDefinition> Load(string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"feeds file {path} does not exist");
        FeedsFile? file;
        try
        {
            file = JsonSerializer.Deserialize<FeedsFile>(File.ReadAllText(path), Options);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"feeds file {path} is not valid JSON: {ex.Message}", ex);
        }
        var feeds = file?.Feeds ?? [];
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        foreach (var feed in feeds)
        {
            Validate(feed, path);
            // Relative local paths are relative to the feeds file.
            if (!feed.Url.Contains("://", StringComparison.Ordinal) && !Path.IsPathRooted(feed.Url)) feed.Url = Path.Combine(baseDir, feed.Url);
        }
        return feeds;
    }

    public static void Validate(FeedDefinition feed, string where)
    {
        if (string.IsNullOrWhiteSpace(feed.Name)) throw new ArgumentException($"{where}: a feed has no name");
        if (string.IsNullOrWhiteSpace(feed.Url)) throw new ArgumentException($"{where}: feed '{feed.Name}' has no url");
        _ = feed.ParsedFormat; // throws with the list of format names
        var fields = feed.Schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is < 6 or > 7) throw new ArgumentException($"{where}: feed '{feed.Name}': schedule '{feed.Schedule}' is not a Quartz cron expression (6 or 7 fields, e.g. \"0 0 */6 * * ?\")");
    }
}
