using System.Text;

namespace Sysmon.Queries.Esql;

/// <summary>
/// ES|QL's <c>KQL("…")</c> filter, a Kibana Query Language string, as a DuckDB condition: <c>field : value</c>
/// (a value with <c>*</c> wildcards, a "quoted phrase", a list <c>(a or b)</c>, or <c>*</c> for "has a value"),
/// <c>field &lt; value</c> and the other ranges, <c>and</c>, <c>or</c>, <c>not</c> and parentheses. As in Elasticsearch
/// every test is true or false, never null: <c>not event.action : "fork"</c> keeps events without an action; a
/// multi-valued field matches when any value does; a field the store does not have matches nothing. Keyword values
/// compare whole and case-sensitive. Elastic's detection rules put such filters inside their ES|QL.
/// </summary>
public sealed class KqlQuery
{
    private readonly string _text;
    private readonly Func<string, (string Sql, bool IsList)?> _column;
    private readonly int _position;
    private int _i;

    private KqlQuery(string text, Func<string, (string Sql, bool IsList)?> column, int position) => (_text, _column, _position) = (text, column, position);

    /// <summary>The condition; <paramref name="column"/> gives a field's SQL and whether it is multi-valued, or null
    /// when the store has no such field.</summary>
    public static string Sql(string kql, Func<string, (string Sql, bool IsList)?> column, int position)
    {
        var query = new KqlQuery(kql, column, position);
        query.Space();
        if (query.AtEnd) return "TRUE"; // an empty query matches everything, as in Kibana
        var sql = query.Or();
        query.Space();
        if (!query.AtEnd) throw query.Error($"unexpected '{kql[query._i..].TrimEnd()}'");
        return sql;
    }

    private bool AtEnd => _i >= _text.Length;

    private EsqlException Error(string what) => new($"KQL: {what} in \"{_text}\"", _position);

    private void Space()
    {
        while (!AtEnd && char.IsWhiteSpace(_text[_i])) _i++;
    }

    // A keyword (and, or, not) in any case, followed by a space or a parenthesis.
    private bool Keyword(string word)
    {
        Space();
        if (_i + word.Length > _text.Length || string.Compare(_text, _i, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) != 0) return false;
        var end = _i + word.Length;
        if (end < _text.Length && !char.IsWhiteSpace(_text[end]) && _text[end] != '(') return false;
        _i = end;
        return true;
    }

    private bool Symbol(char c)
    {
        Space();
        if (AtEnd || _text[_i] != c) return false;
        _i++;
        return true;
    }

    private string Or()
    {
        var parts = new List<string> { And() };
        while (Keyword("or")) parts.Add(And());
        return parts.Count == 1 ? parts[0] : "(" + string.Join(" OR ", parts) + ")";
    }

    private string And()
    {
        var parts = new List<string> { Not() };
        while (Keyword("and")) parts.Add(Not());
        return parts.Count == 1 ? parts[0] : "(" + string.Join(" AND ", parts) + ")";
    }

    private string Not() => Keyword("not") ? $"(NOT {Not()})" : Sub();

    private string Sub()
    {
        if (Symbol('('))
        {
            var inner = Or();
            if (!Symbol(')')) throw Error("expected ')'");
            return inner;
        }
        Space();
        var field = Term(out var quoted, out var pattern);
        if (pattern) throw Error($"a wildcard in a field name ({field.Replace("\0", "", StringComparison.Ordinal)}) is not supported here");
        var freeText = $"a value without a field (free text over every field) is not supported here; write field : value ('{field}')";
        if (quoted || field.Length == 0) throw Error(freeText);
        Space();
        foreach (var op in (ReadOnlySpan<string>)["<=", ">=", "<", ">"])
        {
            if (string.CompareOrdinal(_text, _i, op, 0, op.Length) != 0) continue;
            _i += op.Length;
            Space();
            var bound = Term(out _, out _);
            return _column(field) is { } c ? Any(c, v => $"{v} {op} {Literal(bound)}") : "FALSE";
        }
        if (!Symbol(':')) throw Error(freeText);
        if (Symbol('{')) throw Error("nested queries (field:{ … }) are not supported here");
        return Values(field);
    }

    // After "field :": one value, or a parenthesised list of values joined by or / and.
    private string Values(string field)
    {
        var column = _column(field);
        if (Symbol('('))
        {
            var parts = new List<string> { Value(column) };
            var join = "";
            while (true)
            {
                var next = Keyword("or") ? "OR" : Keyword("and") ? "AND" : null;
                if (next is null) break;
                if (join.Length > 0 && join != next) throw Error("mixing and / or in one value list is not supported here; use parentheses");
                join = next;
                parts.Add(Value(column));
            }
            if (!Symbol(')')) throw Error("expected ')' after the values");
            return parts.Count == 1 ? parts[0] : "(" + string.Join($" {join} ", parts) + ")";
        }
        return Value(column);
    }

    private string Value((string Sql, bool IsList)? column)
    {
        var negated = Keyword("not");
        Space();
        var value = Term(out var quoted, out var wildcard);
        if (!quoted && value.Length == 0) throw Error("expected a value");
        string test;
        if (column is not { } c) test = "FALSE"; // Elasticsearch: a field no document has matches nothing
        else if (!quoted && value == "*") test = c.IsList ? $"coalesce(len({c.Sql}) > 0, FALSE)" : $"({c.Sql} IS NOT NULL)";
        else if (wildcard) test = Any(c, v => $"CAST({v} AS VARCHAR) LIKE {Literal(Like(value))} ESCAPE '\\'");
        else test = Any(c, v => $"{v} = {Literal(value)}");
        return negated ? $"(NOT {test})" : test;
    }

    // True when the value, or any of a list's values, passes; false (not null) otherwise.
    private static string Any((string Sql, bool IsList) c, Func<string, string> test) =>
        c.IsList ? $"coalesce(len(list_filter({c.Sql}, v -> {test("v")})) > 0, FALSE)" : $"coalesce({test(c.Sql)}, FALSE)";

    // A field name, a quoted string or an unquoted value (ends at a space, a parenthesis or a colon; \ escapes).
    // For an unquoted value, the marks where a * is a wildcard are kept as a NUL character before it.
    private string Term(out bool quoted, out bool wildcard)
    {
        quoted = wildcard = false;
        var sb = new StringBuilder();
        if (!AtEnd && _text[_i] == '"')
        {
            quoted = true;
            _i++;
            while (!AtEnd && _text[_i] != '"')
            {
                if (_text[_i] == '\\' && _i + 1 < _text.Length) _i++;
                sb.Append(_text[_i++]);
            }
            if (AtEnd) throw Error("unterminated quoted value");
            _i++;
            return sb.ToString();
        }
        while (!AtEnd && !char.IsWhiteSpace(_text[_i]) && _text[_i] is not ('(' or ')' or ':' or '<' or '>' or '"' or '{' or '}'))
        {
            var ch = _text[_i++];
            if (ch == '\\' && !AtEnd)
            {
                sb.Append(_text[_i++]);
                continue;
            }
            if (ch == '*')
            {
                wildcard = true;
                sb.Append('\0');
            }
            sb.Append(ch);
        }
        return sb.ToString();
    }

    // A value with wildcard marks as a LIKE pattern: a marked * is %, everything else literal.
    private static string Like(string value)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var ch = value[i];
            if (ch == '\0') { sb.Append('%'); i++; continue; }
            sb.Append(ch is '%' or '_' or '\\' ? "\\" + ch : ch.ToString());
        }
        return sb.ToString();
    }

    // A value as SQL, its wildcard marks dropped.
    private static string Literal(string value) => DuckDbTranslator.LiteralSql(value.Replace("\0", "", StringComparison.Ordinal));
}
