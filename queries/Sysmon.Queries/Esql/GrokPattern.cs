using System.Text;

namespace Sysmon.Queries.Esql;

/// <summary>
/// A GROK pattern (<c>%{INT:chunk}-%{DATA:payload}\.%{GREEDYDATA:domain}</c>, or a regular expression with named
/// groups <c>(?&lt;host&gt;[a-z.]+)</c>) as one RE2 regular expression for DuckDB, searched anywhere in the input as
/// Elasticsearch's grok does. Only named captures become groups: every other group is made non-capturing, so group
/// n is <see cref="Columns"/>[n-1]. Elastic's detection rules cut domains and URLs out of command lines with it.
/// </summary>
public sealed class GrokPattern
{

    /// <summary>The regular expression (RE2 syntax).</summary>
    public string Regex { get; }

    /// <summary>The output columns in the order of their groups, with the type a <c>:int</c>-style suffix asked for
    /// (<c>keyword</c> without one).</summary>
    public IReadOnlyList<(string Name, string Type)> Columns { get; }

    private GrokPattern(string regex, List<(string, string)> columns) => (Regex, Columns) = (regex, columns);

    public static GrokPattern Parse(string pattern, int position)
    {
        var regex = new StringBuilder();
        var columns = new List<(string, string)>();
        Append(pattern, regex, columns, position, depth: 0);
        if (columns.Count == 0) throw new EsqlException($"GROK: pattern '{pattern}' names no field (%{{PATTERN:field}} or (?<field>...))", position);
        return new GrokPattern(regex.ToString(), columns);
    }

    // Copies one pattern's regular expression, expanding %{...} references and turning groups into the ones RE2 and
    // the column list need. Built-in definitions go through here too, without captures of their own.
    private static void Append(string pattern, StringBuilder regex, List<(string, string)> columns, int position, int depth)
    {
        if (depth > 20) throw new EsqlException("GROK: pattern definitions nest too deep", position);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var ch = pattern[i];
            if (ch == '\\' && i + 1 < pattern.Length)
            {
                // \uXXXX (Java's and Elasticsearch grok's) is RE2's \x{XXXX}.
                if (!JavaRegex.AppendUnicodeEscape(pattern, ref i, regex)) regex.Append(ch).Append(pattern[++i]);
                continue;
            }
            if (inClass)
            {
                if (ch == ']') inClass = false;
                regex.Append(ch);
                continue;
            }
            if (ch == '[')
            {
                inClass = true;
                regex.Append(ch);
                // A ']' right after '[' or '[^' is a literal, not the end of the class.
                if (i + 1 < pattern.Length && pattern[i + 1] == '^') regex.Append(pattern[++i]);
                if (i + 1 < pattern.Length && pattern[i + 1] == ']') regex.Append(pattern[++i]);
                continue;
            }
            if (ch == '%' && i + 1 < pattern.Length && pattern[i + 1] == '{')
            {
                var close = pattern.IndexOf('}', i + 2);
                if (close < 0) throw new EsqlException($"GROK: unclosed %{{ in pattern '{pattern}'", position);
                Reference(pattern[(i + 2)..close], regex, columns, position, depth);
                i = close;
                continue;
            }
            if (ch == '(')
            {
                i = Group(pattern, i, regex, columns, position);
                continue;
            }
            regex.Append(ch);
        }
    }

    // %{NAME}, %{NAME:field} or %{NAME:field:type}.
    private static void Reference(string reference, StringBuilder regex, List<(string, string)> columns, int position, int depth)
    {
        var parts = reference.Split(':');
        if (parts.Length > 3 || parts[0].Length == 0) throw new EsqlException($"GROK: '%{{{reference}}}' is not %{{PATTERN}}, %{{PATTERN:field}} or %{{PATTERN:field:type}}", position);
        if (!GrokBuiltins.Definitions.TryGetValue(parts[0], out var definition))
        {
            throw new EsqlException($"GROK: %{{{parts[0]}}} is not one of the {GrokBuiltins.Definitions.Count} built-in patterns here (queries/README.md lists them)" +
                NameSuggestions.DidYouMean(parts[0], GrokBuiltins.Definitions.Keys), position);
        }
        if (parts.Length == 1)
        {
            regex.Append("(?:");
            Append(definition, regex, columns, position, depth + 1);
            regex.Append(')');
            return;
        }
        var type = parts.Length == 3 ? parts[2] : "keyword";
        if (type is not ("keyword" or "int" or "long" or "float" or "double" or "boolean"))
        {
            throw new EsqlException($"GROK: type '{type}' of field {parts[1]} is not one of int, long, float, double, boolean", position);
        }
        regex.Append('(');
        Add(columns, parts[1], type, position);
        Append(definition, regex, columns, position, depth + 1);
        regex.Append(')');
    }

    // At an opening parenthesis: a named group becomes a capture, any other group a non-capturing one, and the
    // constructs RE2 lacks are refused here rather than as a DuckDB error about a regular expression the user never wrote.
    private static int Group(string pattern, int i, StringBuilder regex, List<(string, string)> columns, int position)
    {
        var rest = pattern.AsSpan(i + 1);
        if (!rest.StartsWith("?"))
        {
            regex.Append("(?:");
            return i;
        }
        if (rest.StartsWith("?<") && !rest.StartsWith("?<=") && !rest.StartsWith("?<!") || rest.StartsWith("?P<"))
        {
            var open = pattern.IndexOf('<', i);
            var close = pattern.IndexOf('>', open);
            if (close < 0) throw new EsqlException($"GROK: unclosed group name in pattern '{pattern}'", position);
            Add(columns, pattern[(open + 1)..close], "keyword", position);
            regex.Append('(');
            return close;
        }
        if (rest.StartsWith("?=") || rest.StartsWith("?!") || rest.StartsWith("?<=") || rest.StartsWith("?<!") || rest.StartsWith("?>"))
        {
            throw new EsqlException($"GROK: lookaround and atomic groups ({pattern[i..Math.Min(pattern.Length, i + 4)]}…) are not supported by the embedded " +
                "store's regular expressions (RE2)", position);
        }
        regex.Append('('); // (?:…), (?i), (?i:…): RE2 reads them as Java does
        return i;
    }

    private static void Add(List<(string, string)> columns, string name, string type, int position)
    {
        if (name.Length == 0) throw new EsqlException("GROK: a field name is empty", position);
        // Elasticsearch makes a field named twice multi-valued; not done here.
        if (columns.Exists(c => c.Item1 == name)) throw new EsqlException($"GROK: field {name} is named twice (a multi-valued result is not supported here)", position);
        columns.Add((name, type));
    }
}
