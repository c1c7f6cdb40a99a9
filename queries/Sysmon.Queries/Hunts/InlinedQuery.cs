using System.Globalization;
using System.Text;
using Sysmon.Queries.Esql;

namespace Sysmon.Queries.Hunts;

/// <summary>
/// A hunt's query with every <c>?param</c> replaced by its default as an ES|QL literal, and without the comment
/// header: for places that run ES|QL without parameters, such as a Kibana Discover session. A time default in date
/// math (<c>now-1d</c>) is written as the ES|QL expression (<c>NOW() - 1 day</c>). Hunts with a parameter that has
/// no default (a hash to follow) cannot be written this way.
/// </summary>
public static class InlinedQuery
{
    /// <summary>The query, or null when a parameter has no default.</summary>
    public static string? Of(Hunt hunt)
    {
        if (hunt.Parameters.Any(p => p.Default is null)) return null;
        var values = hunt.Bind(new Dictionary<string, string>());
        var text = hunt.Query;
        var result = new StringBuilder(text.Length);
        var copied = 0;
        foreach (var token in Lexer.Tokenize(text))
        {
            if (token.Kind != TokenKind.Param) continue;
            if (!values.TryGetValue(token.Text, out var value))
            {
                throw new HuntFileException($"hunt {hunt.Name}: the query uses ?{token.Text}, which its header does not declare");
            }
            // A relative default stays relative: the Discover session asks for the last day whenever it is opened.
            var relative = hunt.Parameters.FirstOrDefault(p => p.Name == token.Text)?.RelativeDefault;
            result.Append(text, copied, token.Position - copied).Append(relative is null ? Literal(value) : relative.ToEsql());
            copied = token.Position + 1 + token.Text.Length;
        }
        result.Append(text, copied, text.Length - copied);
        return WithoutHeader(result.ToString());
    }

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string s => Quoted(s),
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTimeOffset t => TimeLiteral(t),
        _ => throw new ArgumentException($"no ES|QL literal for a {value.GetType().Name}"),
    };

    /// <summary>A time as an ES|QL expression: TO_DATETIME("2026-01-05T08:00:00.000Z").</summary>
    internal static string TimeLiteral(DateTimeOffset t) =>
        $"TO_DATETIME({Quoted(t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))})";

    private static string Quoted(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    // The header is the run of // lines before the query; comments inside the query stay.
    private static string WithoutHeader(string query)
    {
        var lines = query.Split('\n');
        var first = 0;
        while (first < lines.Length && (lines[first].TrimStart().StartsWith("//", StringComparison.Ordinal) || lines[first].Trim().Length == 0)) first++;
        return string.Join('\n', lines[first..]).TrimEnd();
    }
}
