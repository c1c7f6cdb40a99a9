using System.Globalization;

namespace Sysmon.Queries.Esql;

/// <summary>
/// Recursive-descent parser for the supported ES|QL subset (queries/README.md). Anything else is an
/// <see cref="EsqlException"/> naming the construct and its position, never a silently different query.
/// </summary>
public sealed class Parser
{
    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _i;

    private Parser(string text)
    {
        _text = text;
        _tokens = Lexer.Tokenize(text);
    }

    public static EsqlQuery Parse(string text) => new Parser(text).Query();

    private Token Peek => _tokens[_i];
    private Token Next() => _tokens[_i++];

    private EsqlQuery Query()
    {
        var commands = new List<Command> { Command() };
        if (commands[0] is not (From or Row)) throw new EsqlException("a query must start with FROM or ROW", commands[0].Position);
        while (Peek.Kind == TokenKind.Pipe)
        {
            Next();
            commands.Add(Command());
        }
        if (Peek.Kind != TokenKind.End) throw new EsqlException($"unexpected '{Peek.Text}'", Peek.Position);
        return new EsqlQuery(commands);
    }

    private Command Command()
    {
        var t = Next();
        if (t.Kind != TokenKind.Identifier) throw new EsqlException($"expected a command, found '{t.Text}'", t.Position);
        switch (t.Text.ToUpperInvariant())
        {
            case "FROM":
            {
                var patterns = NameList();
                if (!Peek.Is("METADATA")) return new From(patterns, t.Position);
                Next();
                return new From(patterns, t.Position, NameList());
            }
            case "ROW":
                return new Row(Assignments(allowUnnamed: false), t.Position);
            case "WHERE":
                return new Where(Expression(), t.Position);
            case "EVAL":
                return new Eval(Assignments(allowUnnamed: false), t.Position);
            case "INLINE" when Peek.Is("STATS"):
            case "INLINESTATS":
            case "STATS":
            {
                var inline = !t.Is("STATS");
                if (inline && Peek.Is("STATS")) Next();
                var aggs = Peek.Is("BY") ? [] : Assignments(allowUnnamed: true);
                var by = new List<(string, Expr)>();
                if (Peek.Is("BY"))
                {
                    Next();
                    do
                    {
                        if (Peek.Kind == TokenKind.Identifier && _tokens[_i + 1].IsSymbol("="))
                        {
                            var name = Next().Text;
                            Next();
                            by.Add((name, Expression()));
                            continue;
                        }
                        var e = Expression();
                        by.Add((e is FieldRef f ? f.Name : Source(e), e));
                    }
                    while (TrySymbol(","));
                }
                return new Stats(aggs, by, t.Position, inline);
            }
            case "SORT":
            {
                var keys = new List<(Expr, bool, bool?)>();
                do
                {
                    var e = Expression();
                    var desc = false;
                    bool? nullsFirst = null;
                    if (Peek.Is("ASC")) Next();
                    else if (Peek.Is("DESC")) { Next(); desc = true; }
                    if (Peek.Is("NULLS"))
                    {
                        Next();
                        var w = Next();
                        nullsFirst = w.Is("FIRST") ? true : w.Is("LAST") ? false : throw new EsqlException("expected FIRST or LAST after NULLS", w.Position);
                    }
                    keys.Add((e, desc, nullsFirst));
                }
                while (TrySymbol(","));
                return new Sort(keys, t.Position);
            }
            case "LIMIT":
            {
                var n = Next();
                if (n.Kind != TokenKind.Number || n.Number < 0 || n.Number % 1 != 0) throw new EsqlException("LIMIT takes a whole number", n.Position);
                return new Limit((int)n.Number, t.Position);
            }
            case "KEEP":
                return new Keep(NameList(), t.Position);
            case "MV_EXPAND":
                return new MvExpand(Name(), t.Position);
            case "DISSECT":
            {
                var input = Expression();
                var pattern = Next();
                if (pattern.Kind != TokenKind.String) throw new EsqlException("DISSECT takes a pattern string after its input", pattern.Position);
                var separator = "";
                if (Peek.Is("APPEND_SEPARATOR"))
                {
                    Next();
                    if (!TrySymbol("=")) throw new EsqlException("expected = after APPEND_SEPARATOR", Peek.Position);
                    var sep = Next();
                    separator = sep.Kind == TokenKind.String ? sep.Text : throw new EsqlException("APPEND_SEPARATOR takes a string", sep.Position);
                }
                return new Dissect(input, pattern.Text, separator, t.Position);
            }
            case "GROK":
            {
                var input = Expression();
                var pattern = Next();
                if (pattern.Kind != TokenKind.String) throw new EsqlException("GROK takes a pattern string after its input", pattern.Position);
                return new Grok(input, pattern.Text, t.Position);
            }
            case "ENRICH":
            {
                var policy = Name();
                string? on = null;
                var with = new List<(string, string)>();
                if (Peek.Is("ON")) { Next(); on = Name(); }
                if (Peek.Is("WITH"))
                {
                    Next();
                    do
                    {
                        var first = Name();
                        if (TrySymbol("=")) with.Add((first, Name()));
                        else with.Add((first, first));
                    }
                    while (TrySymbol(","));
                }
                return new Enrich(policy, on, with, t.Position);
            }
            case "DROP":
                return new Drop(NameList(), t.Position);
            case "RENAME":
            {
                var pairs = new List<(string, string)>();
                do
                {
                    var from = Name();
                    if (!Peek.Is("AS")) throw new EsqlException("expected AS in RENAME", Peek.Position);
                    Next();
                    pairs.Add((from, Name()));
                }
                while (TrySymbol(","));
                return new Rename(pairs, t.Position);
            }
            default:
                throw new EsqlException($"command {t.Text.ToUpperInvariant()} is not in the supported ES|QL subset", t.Position);
        }
    }

    // A function's named options, { "fuzziness": 1, "operator": "AND" }: the last argument of MATCH and its kin.
    private Dictionary<string, object?> Options()
    {
        var options = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (TrySymbol("}")) return options;
        do
        {
            var key = Next();
            if (key.Kind != TokenKind.String) throw new EsqlException("an option's name is a string: { \"fuzziness\": 1 }", key.Position);
            Expect(":");
            var value = Primary();
            if (value is not Literal { Value: string or long or double or bool } literal) throw new EsqlException($"option {key.Text} takes a string, number or boolean", value.Position);
            if (!options.TryAdd(key.Text, literal.Value)) throw new EsqlException($"option {key.Text} is given twice", key.Position);
        }
        while (TrySymbol(","));
        Expect("}");
        return options;
    }

    private static string? IntervalUnit(string word) => word.ToLowerInvariant() switch
    {
        "millisecond" or "milliseconds" or "ms" => "millisecond",
        "second" or "seconds" or "sec" or "s" => "second",
        "minute" or "minutes" or "min" => "minute",
        "hour" or "hours" or "h" => "hour",
        "day" or "days" or "d" => "day",
        "week" or "weeks" or "w" => "week",
        "month" or "months" or "mo" => "month",
        "year" or "years" or "yr" or "y" => "year",
        _ => null,
    };

    private List<(string, Expr)> Assignments(bool allowUnnamed)
    {
        var list = new List<(string, Expr)>();
        do
        {
            var start = _i;
            if (Peek.Kind == TokenKind.Identifier && _tokens[_i + 1].IsSymbol("="))
            {
                var name = Next().Text;
                Next();
                list.Add((name, Aggregate(Expression(), allowUnnamed)));
            }
            else
            {
                var e = Expression();
                if (!allowUnnamed && e is not FieldRef) throw new EsqlException("EVAL needs name = expression", _tokens[start].Position);
                e = Aggregate(e, allowUnnamed);
                list.Add((Source(e), e));
            }
        }
        while (TrySymbol(","));
        return list;
    }

    // In STATS (whose assignments may be unnamed), an aggregate may take a WHERE of its own.
    private Expr Aggregate(Expr e, bool inStats)
    {
        if (!inStats || !Peek.Is("WHERE")) return e;
        Next();
        return new Filtered(e, Expression(), e.Position);
    }

    private string Source(Expr e)
    {
        // ES|QL names an unnamed column by the expression's text.
        var start = e.Position;
        var end = Peek.Position;
        return _text[start..end].Trim();
    }

    // KEEP and DROP's names and patterns; a lone * (KEEP *: every column) is read as a symbol.
    private List<string> NameList()
    {
        string Pattern() => TrySymbol("*") ? "*" : Name();
        var names = new List<string> { Pattern() };
        while (TrySymbol(",")) names.Add(Pattern());
        return names;
    }

    private string Name()
    {
        var t = Next();
        if (t.Kind is not (TokenKind.Identifier or TokenKind.String)) throw new EsqlException($"expected a name, found '{t.Text}'", t.Position);
        return t.Text;
    }

    private bool TrySymbol(string symbol)
    {
        if (!Peek.IsSymbol(symbol)) return false;
        Next();
        return true;
    }

    private void Expect(string symbol)
    {
        if (!TrySymbol(symbol)) throw new EsqlException($"expected '{symbol}', found '{Peek.Text}'", Peek.Position);
    }

    private Expr Expression() => Or();

    private Expr Or()
    {
        var left = And();
        while (Peek.Is("OR")) { var p = Next().Position; left = new Binary("OR", left, And(), p); }
        return left;
    }

    private Expr And()
    {
        var left = Not();
        while (Peek.Is("AND")) { var p = Next().Position; left = new Binary("AND", left, Not(), p); }
        return left;
    }

    private Expr Not()
    {
        if (Peek.Is("NOT")) { var p = Next().Position; return new Unary("NOT", Not(), p); }
        return Comparison();
    }

    private Expr Comparison()
    {
        var left = Additive();
        var t = Peek;
        if (t.Kind == TokenKind.Symbol && t.Text is "==" or "!=" or "<" or "<=" or ">" or ">=")
        {
            Next();
            return new Binary(t.Text, left, Additive(), t.Position);
        }
        if (t.IsSymbol("=")) throw new EsqlException("use == to compare", t.Position);
        // field : "query" is ES|QL's match operator, MATCH(field, "query") without options.
        if (t.IsSymbol(":"))
        {
            Next();
            return new Call("MATCH", [left, Additive()], t.Position);
        }
        var negated = false;
        if (t.Is("NOT") && (_tokens[_i + 1].Is("IN") || _tokens[_i + 1].Is("LIKE") || _tokens[_i + 1].Is("RLIKE")))
        {
            Next();
            negated = true;
            t = Peek;
        }
        if (t.Is("IN"))
        {
            Next();
            Expect("(");
            var items = new List<Expr> { Expression() };
            while (TrySymbol(",")) items.Add(Expression());
            Expect(")");
            return new InList(left, items, negated, t.Position);
        }
        if (t.Is("LIKE") || t.Is("RLIKE"))
        {
            Next();
            var regex = t.Is("RLIKE");
            if (!Peek.IsSymbol("(")) return new Like(left, Additive(), regex, negated, t.Position);
            // A list of patterns, ("power*", "cmd*"): any one matching, as ES|QL reads it.
            Next();
            var patterns = new List<Expr> { Expression() };
            while (TrySymbol(",")) patterns.Add(Expression());
            Expect(")");
            var any = patterns.Select(p => (Expr)new Like(left, p, regex, false, t.Position)).Aggregate((a, b) => new Binary("OR", a, b, t.Position));
            return negated ? new Unary("NOT", any, t.Position) : any;
        }
        if (t.Is("IS"))
        {
            Next();
            var not = false;
            if (Peek.Is("NOT")) { Next(); not = true; }
            if (!Peek.Is("NULL")) throw new EsqlException("expected NULL after IS", Peek.Position);
            Next();
            return new IsNull(left, not, t.Position);
        }
        return left;
    }

    private Expr Additive()
    {
        var left = Multiplicative();
        while (Peek.Kind == TokenKind.Symbol && Peek.Text is "+" or "-")
        {
            var t = Next();
            left = new Binary(t.Text, left, Multiplicative(), t.Position);
        }
        return left;
    }

    private Expr Multiplicative()
    {
        var left = UnaryMinus();
        while (Peek.Kind == TokenKind.Symbol && Peek.Text is "*" or "/" or "%")
        {
            var t = Next();
            left = new Binary(t.Text, left, UnaryMinus(), t.Position);
        }
        return left;
    }

    private Expr UnaryMinus()
    {
        if (Peek.IsSymbol("-")) { var p = Next().Position; return new Unary("-", UnaryMinus(), p); }
        return Cast(Primary());
    }

    // value::type, ES|QL's inline conversion (count::double), as the TO_ function of that type.
    private Expr Cast(Expr value)
    {
        while (Peek.IsSymbol("::"))
        {
            var at = Next().Position;
            var type = Next();
            var function = type.Kind == TokenKind.Identifier ? type.Text.ToLowerInvariant() switch
            {
                "integer" or "int" => "TO_INTEGER",
                "long" => "TO_LONG",
                "double" => "TO_DOUBLE",
                "keyword" or "string" or "text" => "TO_STRING",
                "datetime" or "date" => "TO_DATETIME",
                _ => null,
            } : null;
            value = new Call(function ?? throw new EsqlException($"::{type.Text} is not supported here (::integer, ::long, ::double, ::keyword, ::datetime are)", type.Position),
                [value], at);
        }
        return value;
    }

    private Expr Primary()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.String:
                return new Literal(t.Text, t.Position);
            case TokenKind.Number:
                if (Peek.Kind == TokenKind.Identifier && IntervalUnit(Peek.Text) is { } unit && !t.Text.Contains('.', StringComparison.Ordinal))
                {
                    Next();
                    return new Literal(new Interval(long.Parse(t.Text, CultureInfo.InvariantCulture), unit), t.Position);
                }
                return new Literal(t.Text.Contains('.', StringComparison.Ordinal) ? t.Number : (object)long.Parse(t.Text, CultureInfo.InvariantCulture), t.Position);
            case TokenKind.Param:
                return new ParamRef(t.Text, t.Position);
            case TokenKind.Symbol when t.Text == "{":
                return new Literal(Options(), t.Position);
            case TokenKind.Symbol when t.Text == "(":
            {
                var e = Expression();
                Expect(")");
                return e;
            }
            case TokenKind.Identifier:
                if (t.Is("true")) return new Literal(true, t.Position);
                if (t.Is("false")) return new Literal(false, t.Position);
                if (t.Is("null")) return new Literal(null, t.Position);
                if (Peek.IsSymbol("("))
                {
                    Next();
                    var args = new List<Expr>();
                    var star = false;
                    if (Peek.IsSymbol("*")) { Next(); star = true; }
                    else if (!Peek.IsSymbol(")"))
                    {
                        do args.Add(Expression());
                        while (TrySymbol(","));
                    }
                    Expect(")");
                    return new Call(t.Text.ToUpperInvariant(), args, t.Position, star);
                }
                return new FieldRef(t.Text, t.Position);
            default:
                throw new EsqlException($"unexpected '{t.Text}'", t.Position);
        }
    }
}
