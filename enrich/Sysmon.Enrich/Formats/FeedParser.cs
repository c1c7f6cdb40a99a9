namespace Sysmon.Enrich.Formats;

/// <summary>Parses a feed payload in the given (or sniffed) format.</summary>
public static class FeedParser
{
    public static FeedParseResult Parse(string content, string feed, FeedFormat format, string? column = null, DateTimeOffset? now = null)
    {
        if (format == FeedFormat.Auto) format = FeedFormats.Sniff(content);
        return format switch
        {
            FeedFormat.Csv => CsvFeedParser.Parse(content, feed, column),
            FeedFormat.AbuseChJson => AbuseChJsonParser.Parse(content, feed),
            FeedFormat.Stix2 => Stix2Parser.Parse(content, feed, now ?? DateTimeOffset.UtcNow),
            _ => PlainListParser.Parse(content, feed), // plain, netset, spamhaus-drop
        };
    }
}
