using System.Text;

namespace Sysmon.Queries.Esql;

/// <summary>
/// REPLACE's pattern, a Java regular expression in Elasticsearch, in the syntax of DuckDB's RE2 where the two spell
/// the same thing differently: <c>\u0000</c> (Elastic's base64 hunt strips the NULs of a UTF-16 command with it) is
/// RE2's <c>\x{0000}</c>. Constructs RE2 lacks (lookarounds, atomic groups, possessive repeats) are refused with that
/// reason instead of failing as a DuckDB error.
/// </summary>
public static class JavaRegex
{
    public static string ToRe2(string pattern, int position)
    {
        var re2 = new StringBuilder(pattern.Length);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var ch = pattern[i];
            if (ch == '\\' && i + 1 < pattern.Length)
            {
                if (!AppendUnicodeEscape(pattern, ref i, re2)) re2.Append(ch).Append(pattern[++i]);
                continue;
            }
            if (inClass)
            {
                if (ch == ']') inClass = false;
            }
            else if (ch == '[')
            {
                inClass = true;
            }
            else if (ch == '(' && i + 2 < pattern.Length && pattern[i + 1] == '?' && (pattern[i + 2] is '=' or '!' or '>'
                     || pattern[i + 2] == '<' && i + 3 < pattern.Length && pattern[i + 3] is '=' or '!'))
            {
                throw new EsqlException($"regular expression '{pattern}': lookarounds and atomic groups are not supported by the embedded store's RE2", position);
            }
            else if (ch == '+' && i > 0 && pattern[i - 1] is '*' or '+' or '?' or '}' && (i < 2 || pattern[i - 2] != '\\'))
            {
                throw new EsqlException($"regular expression '{pattern}': possessive repeats (*+, ++) are not supported by the embedded store's RE2", position);
            }
            re2.Append(ch);
        }
        return re2.ToString();
    }

    /// <summary>At a backslash: when <c>\uXXXX</c> follows, appends RE2's <c>\x{XXXX}</c>, moves past it and says so.</summary>
    internal static bool AppendUnicodeEscape(string pattern, ref int i, StringBuilder re2)
    {
        if (i + 5 >= pattern.Length || pattern[i + 1] != 'u') return false;
        foreach (var c in pattern.AsSpan(i + 2, 4)) if (!char.IsAsciiHexDigit(c)) return false;
        re2.Append(@"\x{").Append(pattern, i + 2, 4).Append('}');
        i += 5;
        return true;
    }
}
