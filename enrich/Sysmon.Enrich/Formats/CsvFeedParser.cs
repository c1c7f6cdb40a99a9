using System.Globalization;
using System.Text;

namespace Sysmon.Enrich.Formats;

/// <summary>
/// CSV exports (abuse.ch and others): the header may sit inside a comment (<c># id,dateadded,url,…</c>) or be a
/// plain quoted line; values may be quoted and separated by <c>", "</c>. The value column is given by name or
/// 1-based number, or guessed from a known header.
/// </summary>
public static class CsvFeedParser
{
    private static readonly string[] KnownValueColumns =
        ["ioc_value", "dst_ip", "ip_address", "ip", "url", "sha256_hash", "sha256", "md5_hash", "sha1_hash", "domain", "indicator", "value"];

    public static FeedParseResult Parse(string content, string feed, string? column)
    {
        using var reader = new StringReader(content);
        return Parse(reader, feed, column);
    }

    /// <summary>Line by line as the reader decodes them (see <see cref="PlainListParser.Parse(TextReader, string, FeedParseResult)"/>).</summary>
    public static FeedParseResult Parse(TextReader reader, string feed, string? column, FeedParseResult? into = null)
    {
        var result = into ?? new FeedParseResult();
        List<string>? header = null;
        var index = ColumnNumber(column);
        var number = 0;
        while (reader.ReadLine() is { } raw)
        {
            number++;
            var line = raw.TrimStart('\uFEFF');
            if (line.Trim().Length == 0) continue;
            if (line.TrimStart().StartsWith('#'))
            {
                var body = line.TrimStart().TrimStart('#').Trim();
                // A commented header: several comma-separated names (abuse.ch writes its header this way).
                if (header is null && body.Count(c => c == ',') >= 2 && !body.Contains("://", StringComparison.Ordinal)) header = Split(body);
                continue;
            }
            var fields = Split(line);
            if (header is null && index is null && fields.Any(f => KnownValueColumns.Contains(f, StringComparer.OrdinalIgnoreCase)))
            {
                header = fields; // an uncommented header line
                continue;
            }
            index ??= ResolveColumn(header, column);
            if (index is null)
            {
                result.Reject(number, "no value column: give 'column' (a name or a 1-based number) for this feed");
                continue;
            }
            if (index.Value >= fields.Count)
            {
                result.Reject(number, $"line has {fields.Count} column(s), value column is {index.Value + 1}");
                continue;
            }
            result.AddValue(fields[index.Value], feed, number);
        }
        return result;
    }

    private static int? ColumnNumber(string? column) =>
        int.TryParse(column, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n - 1 : null;

    private static int? ResolveColumn(List<string>? header, string? column)
    {
        if (header is null) return column is null ? 0 : null;
        if (column is not null)
        {
            var i = header.FindIndex(h => string.Equals(h, column, StringComparison.OrdinalIgnoreCase));
            return i >= 0 ? i : null;
        }
        foreach (var known in KnownValueColumns)
        {
            var i = header.FindIndex(h => string.Equals(h, known, StringComparison.OrdinalIgnoreCase));
            if (i >= 0) return i;
        }
        return null;
    }

    /// <summary>Splits one CSV line: quotes, doubled quotes, and blanks after separators (<c>", "</c>).</summary>
    public static List<string> Split(string line)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        var i = 0;
        while (i <= line.Length)
        {
            while (i < line.Length && line[i] == ' ') i++;
            sb.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (i < line.Length)
                {
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            sb.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    sb.Append(line[i++]);
                }
                while (i < line.Length && line[i] != ',') i++;
            }
            else
            {
                while (i < line.Length && line[i] != ',') sb.Append(line[i++]);
            }
            fields.Add(sb.ToString().Trim());
            i++; // past the comma (or the end)
        }
        return fields;
    }
}
