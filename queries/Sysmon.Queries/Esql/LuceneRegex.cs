using System.Text;

namespace Sysmon.Queries.Esql;

/// <summary>
/// An RLIKE pattern, which Elasticsearch reads as a Lucene regular expression (all optional operators on), rewritten
/// for DuckDB's RE2 so that it matches the same strings. The two differ where Elastic's own queries tread: Lucene takes
/// stacked repeats (<c>.+*</c>, which RE2 refuses), <c>^</c> and <c>$</c> are plain characters to Lucene (a Windows
/// share <c>ADMIN$</c>) but anchors to RE2, <c>.</c> takes a line break too, <c>@</c> is any string and <c>"…"</c>
/// a literal, and a backslash makes any character literal (<c>\b</c> is the letter b) except the classes \d \s \w.
/// Intersection (<c>&amp;</c>), complement (<c>~</c>) and numeric intervals (<c>&lt;1-9&gt;</c>) have no RE2 form
/// and are refused with that reason.
/// </summary>
public static class LuceneRegex
{
    private const string Re2Special = @"\.+*?()|[]{}^$";

    // The escaped letters that stay classes in Lucene (digits, spaces, word characters and their complements).
    private const string ClassEscapes = "dswDSW";

    public static string ToRe2(string pattern, int position)
    {
        var re2 = new StringBuilder("(?s)");
        for (var i = 0; i < pattern.Length; i++)
        {
            var ch = pattern[i];
            switch (ch)
            {
                case '\\':
                    if (i + 1 >= pattern.Length) throw new EsqlException($"RLIKE: pattern '{pattern}' ends in a lone backslash", position);
                    var escaped = pattern[++i];
                    if (ClassEscapes.Contains(escaped, StringComparison.Ordinal)) re2.Append('\\').Append(escaped);
                    else Literal(re2, escaped);
                    break;
                case '"':
                {
                    var close = pattern.IndexOf('"', i + 1);
                    if (close < 0) throw new EsqlException($"RLIKE: unclosed \" in pattern '{pattern}'", position);
                    foreach (var c in pattern.AsSpan(i + 1, close - i - 1)) Literal(re2, c);
                    i = close;
                    break;
                }
                case '[':
                    i = Class(pattern, i, re2, position);
                    break;
                case '@':
                    re2.Append(".*");
                    break;
                case '#':
                    re2.Append(@"[^\x00-\x{10FFFF}]"); // the empty language: matches nothing
                    break;
                case '&' or '~' or '<':
                    throw new EsqlException($"RLIKE: '{ch}' ({(ch == '&' ? "intersection" : ch == '~' ? "complement" : "a numeric interval")}) in pattern '{pattern}' " +
                        "is Lucene syntax the embedded store's regular expressions (RE2) cannot express; escape it (\\" + ch + ") to mean the character", position);
                case '(':
                    if (i + 1 < pattern.Length && pattern[i + 1] == '?')
                        throw new EsqlException($"RLIKE: '(?' in pattern '{pattern}' is not Lucene regular-expression syntax (no flags or non-capturing groups there)", position);
                    re2.Append("(?:");
                    break;
                case '*' or '+' or '?':
                {
                    // Lucene applies each repeat to the last: X+* is (X+)*. Collapsed to the one repeat that means the same.
                    var end = i;
                    while (end + 1 < pattern.Length && pattern[end + 1] is '*' or '+' or '?') end++;
                    var run = pattern.AsSpan(i, end - i + 1);
                    re2.Append(run.Length == 1 ? ch : !run.ContainsAnyExcept('+') ? '+' : !run.ContainsAnyExcept('?') ? '?' : '*');
                    i = end;
                    break;
                }
                case '^' or '$':
                    Literal(re2, ch);
                    break;
                default:
                    re2.Append(ch); // . | ) { } and ordinary characters mean the same to both
                    break;
            }
        }
        return re2.ToString();
    }

    // A character class, [a-z] or [^"\]], copied up to its end with RE2's special characters made literal.
    private static int Class(string pattern, int i, StringBuilder re2, int position)
    {
        re2.Append('[');
        i++;
        if (i < pattern.Length && pattern[i] == '^') { re2.Append('^'); i++; }
        var first = true;
        for (; i < pattern.Length; i++)
        {
            var ch = pattern[i];
            if (ch == ']' && !first)
            {
                re2.Append(']');
                return i;
            }
            first = false;
            if (ch == '\\' && i + 1 < pattern.Length)
            {
                var escaped = pattern[++i];
                if (ClassEscapes.Contains(escaped, StringComparison.Ordinal)) re2.Append('\\').Append(escaped);
                else re2.Append('\\').Append(escaped is '\\' or ']' or '[' or '-' or '^' ? escaped.ToString() : Hex(escaped));
                continue;
            }
            re2.Append(ch is '[' or '\\' ? "\\" + ch : ch.ToString());
        }
        throw new EsqlException($"RLIKE: unclosed [ in pattern '{pattern}'", position);
    }

    private static void Literal(StringBuilder re2, char c)
    {
        if (Re2Special.Contains(c, StringComparison.Ordinal)) re2.Append('\\').Append(c);
        else re2.Append(c);
    }

    // A character written so that RE2 cannot read it as an escape of its own (\b, \A, \p …): x{…} after the backslash.
    private static string Hex(char c) => "x{" + ((int)c).ToString("X", System.Globalization.CultureInfo.InvariantCulture) + "}";
}
