using System.Text;

namespace Sysmon.Queries.Esql;

/// <summary>
/// A DISSECT pattern ("%{user}@%{domain} %{+user}") as one anchored regular expression: each key takes the text up
/// to the first occurrence of the delimiter after it (the last key, the rest), as Elasticsearch's dissect does. Keys
/// are <c>%{name}</c>, skipped (<c>%{}</c>, <c>%{?name}</c>), appended (<c>%{+name}</c>, <c>%{+name/2}</c>, joined by
/// APPEND_SEPARATOR in their order) or right-padded (<c>%{name->}</c>: repeats of the delimiter after it are skipped).
/// Reference keys (<c>*</c>, <c>&amp;</c>) are refused, as ES|QL's DISSECT refuses them.
/// </summary>
public sealed class DissectPattern
{
    /// <summary>The regular expression (RE2 syntax), its groups numbered from 1 in the order of <see cref="Groups"/>.</summary>
    public string Regex { get; }

    /// <summary>For each capture group, the output column it feeds, and its place among that column's appended parts.</summary>
    public IReadOnlyList<(string Column, int Order)> Groups { get; }

    /// <summary>The output columns, in the order of their first key in the pattern.</summary>
    public IReadOnlyList<string> Columns { get; }

    private DissectPattern(string regex, List<(string, int)> groups, List<string> columns) => (Regex, Groups, Columns) = (regex, groups, columns);

    public static DissectPattern Parse(string pattern, int position)
    {
        var regex = new StringBuilder("^");
        var groups = new List<(string, int)>();
        var columns = new List<string>();
        var i = 0;
        var keys = 0;
        while (i < pattern.Length)
        {
            var open = pattern.IndexOf("%{", i, StringComparison.Ordinal);
            if (open < 0) break;
            if (open > i && keys == 0) regex.Append(Escape(pattern[i..open])); // the text before the first key
            var close = pattern.IndexOf('}', open + 2);
            if (close < 0) throw new EsqlException($"DISSECT: unclosed key in pattern '{pattern}'", position);
            var key = pattern[(open + 2)..close];
            var next = pattern.IndexOf("%{", close + 1, StringComparison.Ordinal);
            var delimiter = pattern[(close + 1)..(next < 0 ? pattern.Length : next)];
            if (next >= 0 && delimiter.Length == 0) throw new EsqlException($"DISSECT: keys '%{{{key}}}' and the next one need a delimiter between them", position);
            var padded = key.EndsWith("->", StringComparison.Ordinal);
            if (padded) key = key[..^2];
            var (name, order) = Key(key, pattern, position);
            var last = next < 0;
            var capture = last && delimiter.Length == 0 ? "(.*)" : "(.*?)";
            if (name is null) capture = capture.Replace("(", "(?:", StringComparison.Ordinal);
            regex.Append(capture);
            if (delimiter.Length > 0) regex.Append(padded ? $"(?:{Escape(delimiter)})+" : Escape(delimiter));
            if (name is not null)
            {
                groups.Add((name, order ?? groups.Count(g => g.Item1 == name)));
                if (!columns.Contains(name)) columns.Add(name);
            }
            keys++;
            i = next < 0 ? pattern.Length : next;
        }
        if (keys == 0) throw new EsqlException($"DISSECT: pattern '{pattern}' has no %{{key}}", position);
        if (columns.Count == 0) throw new EsqlException($"DISSECT: pattern '{pattern}' names no column (every key is skipped)", position);
        return new DissectPattern(regex.Append('$').ToString(), groups, columns);
    }

    // name, ?name (skipped), +name, +name/N (appended, in order N); an empty key is skipped.
    private static (string? Name, int? Order) Key(string key, string pattern, int position)
    {
        if (key.Length == 0 || key[0] == '?') return (null, null);
        if (key[0] is '*' or '&') throw new EsqlException($"DISSECT: reference keys ('%{{{key}}}') are not supported, as in ES|QL", position);
        if (key[0] != '+') return (key, null);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return (key[1..], null);
        return int.TryParse(key[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var order)
            ? (key[1..slash], order)
            : throw new EsqlException($"DISSECT: append order in '%{{{key}}}' is not a number (pattern '{pattern}')", position);
    }

    // RE2 takes \Q...\E, but a delimiter holding \E would end it early: escape character by character instead.
    private static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length * 2);
        foreach (var c in text)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is ' ' or '_' or '-' or ',' or ':' or '@' or '/' or '=' or '"' or '\'' or '<' or '>' or '#' or '%' or '!' or '~' or '`' or ';' or '&')
                sb.Append(c);
            else if (c is '\t') sb.Append("\\t");
            else if (c is '\n') sb.Append("\\n");
            else if (c is '\r') sb.Append("\\r");
            else if (c < 0x80) sb.Append('\\').Append(c);
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
