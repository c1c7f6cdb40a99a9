using System.Globalization;

namespace Sysmon.Queries.Esql;

/// <summary>
/// ES|QL's <c>MATCH(field, "query"[, {options}])</c> and <c>field : "query"</c> on the embedded store's keyword
/// fields, as Elasticsearch runs a match query on a keyword: the whole value equals the query, or with
/// <c>fuzziness</c> is within that many edits of it (a letter added, dropped, changed or two swapped), case-sensitive.
/// Elastic's "masquerading as svchost" rule finds svch0st.exe and scvhost.exe this way.
/// </summary>
public static class MatchFunction
{
    /// <summary>The SQL of the match: <paramref name="field"/> is the column's SQL, <paramref name="isList"/> whether it is
    /// multi-valued (any value may match, as in Elasticsearch).</summary>
    public static string Sql(Call c, string field, bool isList, Func<Expr, string?> constant)
    {
        if (c.Args.Count is < 2 or > 3 || c.Args[0] is not FieldRef name)
            throw new EsqlException("MATCH takes a field, a query string and optionally { options }", c.Position);
        // Text fields are analysed into words in Elasticsearch; a whole-value comparison would answer differently.
        if (IsTextField(name.Name))
            throw new EsqlException($"MATCH on the text field {name.Name} is not supported here (only keyword fields): use LIKE \"*word*\"", c.Position);
        var query = constant(c.Args[1]) ?? throw new EsqlException("MATCH takes its query as a string", c.Args[1].Position);
        var options = c.Args.Count == 3
            ? c.Args[2] as Literal is { Value: IReadOnlyDictionary<string, object?> map } ? map : throw new EsqlException("MATCH takes its options as { \"name\": value, … }", c.Args[2].Position)
            : new Dictionary<string, object?>();

        var edits = 0;
        var prefix = 0;
        var transpositions = true;
        foreach (var (key, value) in options)
        {
            switch (key)
            {
                case "fuzziness":
                    edits = Fuzziness(value, query, c.Position);
                    break;
                case "prefix_length":
                    prefix = value is long p and >= 0 ? (int)p : throw new EsqlException("MATCH: prefix_length takes a whole number", c.Position);
                    break;
                case "fuzzy_transpositions":
                    transpositions = value is bool b ? b : throw new EsqlException("MATCH: fuzzy_transpositions takes true or false", c.Position);
                    break;
                // These change nothing for a whole keyword value, or only scores (which the embedded store has none of);
                // max_expansions caps how many near terms Elasticsearch tries (all are tried here).
                case "max_expansions" or "operator" or "boost" or "lenient" or "analyzer" or "auto_generate_synonyms_phrase_query"
                    or "fuzzy_rewrite" or "minimum_should_match" or "zero_terms_query":
                    break;
                default:
                    throw new EsqlException($"MATCH: option '{key}' is not known (fuzziness, prefix_length, fuzzy_transpositions, max_expansions, operator, boost, lenient, ...)", c.Position);
            }
        }

        var literal = DuckDbTranslator.LiteralSql(query);
        string Test(string value)
        {
            if (edits == 0) return $"{value} = {literal}";
            var distance = transpositions ? "damerau_levenshtein" : "levenshtein";
            var near = $"{distance}({value}, {literal}) <= {edits.ToString(CultureInfo.InvariantCulture)}";
            return prefix == 0 ? near : $"(starts_with({value}, {DuckDbTranslator.LiteralSql(query[..Math.Min(prefix, query.Length)])}) AND {near})";
        }
        return isList ? $"len(list_filter({field}, v -> {Test("v")})) > 0" : $"({Test(field)})";
    }

    /// <summary>Fields Elasticsearch maps as text (analysed into words): a whole-value comparison would answer differently.</summary>
    public static bool IsTextField(string name) => name is "message" or "error.message" || name.EndsWith(".text", StringComparison.Ordinal);

    // A number of edits (0, 1 or 2), or AUTO[:low,high]: none below low characters, one below high, two from there.
    private static int Fuzziness(object? value, string query, int position)
    {
        switch (value)
        {
            case long n and >= 0 and <= 2:
                return (int)n;
            case string s when s.StartsWith("AUTO", StringComparison.OrdinalIgnoreCase):
            {
                int low = 3, high = 6;
                if (s.Length > 4)
                {
                    var bounds = s[4..].TrimStart(':').Split(',');
                    if (s[4] != ':' || bounds.Length != 2 || !int.TryParse(bounds[0], CultureInfo.InvariantCulture, out low) || !int.TryParse(bounds[1], CultureInfo.InvariantCulture, out high))
                        throw new EsqlException($"MATCH: fuzziness '{s}' is not AUTO or AUTO:low,high", position);
                }
                return query.Length < low ? 0 : query.Length < high ? 1 : 2;
            }
            case string s when int.TryParse(s, CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 2:
                return n;
            default:
                throw new EsqlException($"MATCH: fuzziness is 0, 1, 2 or AUTO, not '{value}'", position);
        }
    }
}
