using System.Text;

namespace Sysmon.Queries.Esql;

/// <summary>
/// ES|QL's DATE_FORMAT takes a java.time DateTimeFormatter pattern ("yyyy-MM-dd HH:mm"); DuckDB's strftime takes
/// %-codes. Translates the pattern letters responders use for dates and times of day; times are UTC, so the zone
/// letters print UTC's offset. Any other letter is refused by name rather than printed as something else.
/// </summary>
public static class JavaDatePattern
{
    /// <summary>The strftime format for <paramref name="pattern"/>; an <see cref="EsqlException"/> at
    /// <paramref name="position"/> for a letter it cannot translate.</summary>
    public static string ToStrftime(string pattern, int position)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < pattern.Length;)
        {
            var c = pattern[i];
            if (c == '\'')
            {
                // 'text' is literal; '' is one quote, inside or outside quoted text.
                var end = i + 1;
                if (end < pattern.Length && pattern[end] == '\'')
                {
                    sb.Append('\'');
                    i += 2;
                    continue;
                }
                for (; end < pattern.Length; end++)
                {
                    if (pattern[end] != '\'')
                    {
                        Literal(sb, pattern[end]);
                        continue;
                    }
                    if (end + 1 >= pattern.Length || pattern[end + 1] != '\'') break;
                    sb.Append('\'');
                    end++;
                }
                if (end >= pattern.Length) throw new EsqlException($"DATE_FORMAT: unclosed quote in pattern '{pattern}'", position);
                i = end + 1;
                continue;
            }
            if (!char.IsAsciiLetter(c))
            {
                Literal(sb, c);
                i++;
                continue;
            }
            var run = 1;
            while (i + run < pattern.Length && pattern[i + run] == c) run++;
            sb.Append(Code(c, run) ?? throw new EsqlException(
                $"DATE_FORMAT: pattern letter '{new string(c, run)}' is not supported here (y M d H h m s S a E D X x Z are)", position));
            i += run;
        }
        return sb.ToString();
    }

    private static void Literal(StringBuilder sb, char c) => sb.Append(c == '%' ? "%%" : c.ToString());

    private static string? Code(char letter, int run) => (letter, run) switch
    {
        ('y' or 'u', 2) => "%y",
        ('y' or 'u', _) => "%Y",
        ('M', 1) => "%-m",
        ('M', 2) => "%m",
        ('M', 3) => "%b",
        ('M', _) => "%B",
        ('d', 1) => "%-d",
        ('d', 2) => "%d",
        ('H', 1) => "%-H",
        ('H', 2) => "%H",
        ('h', 1) => "%-I",
        ('h', 2) => "%I",
        ('m', 1) => "%-M",
        ('m', 2) => "%M",
        ('s', 1) => "%-S",
        ('s', 2) => "%S",
        ('S', 3) => "%g",
        ('S', 6) => "%f",
        ('a', 1) => "%p",
        ('E', <= 3) => "%a",
        ('E', 4) => "%A",
        ('D', 1) => "%-j",
        ('D', 3) => "%j",
        // UTC: X prints Z, x and Z the zero offset in their widths.
        ('X', <= 3) => "Z",
        ('x', 1) => "+00",
        ('x', 2) => "+0000",
        ('x', 3) => "+00:00",
        ('Z', <= 3) => "+0000",
        _ => null,
    };
}
