namespace Sysmon.Enrich.Formats;

/// <summary>
/// One value per line (IP, CIDR, hash, domain or URL): <c>#</c> and <c>;</c> comments, inline comments, CRLF,
/// BOM and blank lines are handled. FireHOL netsets and Spamhaus DROP (<c>CIDR ; SBL…</c>) are lists of this
/// shape; DROP's NDJSON twin (<c>{"cidr":…}</c>) is read here too.
/// </summary>
public static class PlainListParser
{
    public static FeedParseResult Parse(string content, string feed)
    {
        using var reader = new StringReader(content);
        return Parse(reader, feed);
    }

    /// <summary>Line by line as the reader decodes them: a payload is never one string (a 65 MB list was 130 MB as one).</summary>
    public static FeedParseResult Parse(TextReader reader, string feed, FeedParseResult? into = null)
    {
        var result = into ?? new FeedParseResult();
        var number = 0;
        while (reader.ReadLine() is { } raw)
        {
            number++;
            var line = raw.Trim().TrimStart('\uFEFF');
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line.StartsWith('{'))
            {
                ParseDropJsonLine(line, feed, number, result);
                continue;
            }
            var cut = line.IndexOfAny(['#', ';']);
            if (cut > 0) line = line[..cut].Trim();
            var space = line.IndexOfAny([' ', '\t']);
            var value = space > 0 ? line[..space] : line;
            result.AddValue(value, feed, number);
        }
        return result;
    }

    private static void ParseDropJsonLine(string line, string feed, int number, FeedParseResult result)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("cidr", out var cidr) && cidr.GetString() is { } value) result.AddValue(value, feed, number);
            // the final {"type":"metadata",...} line carries no indicator
        }
        catch (System.Text.Json.JsonException ex)
        {
            result.Reject(number, "malformed JSON line: " + ex.Message);
        }
    }
}
