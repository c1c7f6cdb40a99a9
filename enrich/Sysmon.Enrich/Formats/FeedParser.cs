using System.Text;
using System.Text.Json;

namespace Sysmon.Enrich.Formats;

/// <summary>Parses a feed payload in the given (or sniffed) format.</summary>
public static class FeedParser
{
    /// <summary>A payload given as text (tests, small feeds): parsed as its UTF-8, the one way a download is.</summary>
    public static FeedParseResult Parse(string content, string feed, FeedFormat format, string? column = null, DateTimeOffset? now = null) =>
        Parse(Encoding.UTF8.GetBytes(content), feed, format, column, now);

    /// <summary>A payload as downloaded (UTF-8, no BOM): lines are decoded one at a time and JSON is read as bytes,
    /// so the payload is never also one string (twice its size in UTF-16). <paramref name="into"/>: a result made with a
    /// sink, to have the indicators handed on as they are parsed.</summary>
    public static FeedParseResult Parse(ReadOnlyMemory<byte> utf8, string feed, FeedFormat format, string? column = null, DateTimeOffset? now = null,
        FeedParseResult? into = null)
    {
        if (format == FeedFormat.Auto) format = FeedFormats.Sniff(Head(utf8.Span, SniffChars));
        switch (format)
        {
            case FeedFormat.AbuseChJson:
            {
                using var doc = JsonDocument.Parse(utf8);
                return AbuseChJsonParser.Parse(doc, feed, into);
            }
            case FeedFormat.Stix2:
            {
                using var doc = JsonDocument.Parse(utf8);
                return Stix2Parser.Parse(doc, feed, now ?? DateTimeOffset.UtcNow, into);
            }
        }
        using var reader = new StreamReader(AsStream(utf8), Encoding.UTF8);
        return format == FeedFormat.Csv ? CsvFeedParser.Parse(reader, feed, column, into) : PlainListParser.Parse(reader, feed, into);
    }

    /// <summary>The text of a UTF-8 payload's first <paramref name="bytes"/> bytes (a character cut at the end decodes
    /// as a replacement character, which no check looks at).</summary>
    public static string Head(ReadOnlySpan<byte> utf8, int bytes) => Encoding.UTF8.GetString(utf8[..Math.Min(utf8.Length, bytes)]);

    // What the format is told from: the first 64 KiB (a whole payload was searched, and split into lines, to look at 200).
    private const int SniffChars = 64 * 1024;

    private static MemoryStream AsStream(ReadOnlyMemory<byte> utf8) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(utf8, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(utf8.ToArray(), writable: false);
}
