using System.Globalization;
using System.Text;

namespace Sysmon.Queries.Esql;

public enum TokenKind { Identifier, String, Number, Param, Symbol, Pipe, End }

public readonly record struct Token(TokenKind Kind, string Text, int Position, double Number = 0)
{
    public bool Is(string keyword) => Kind == TokenKind.Identifier && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);
    public bool IsSymbol(string symbol) => Kind == TokenKind.Symbol && Text == symbol;
}

/// <summary>Splits ES|QL text into tokens: identifiers (dotted, or `back-quoted`), "strings", numbers, ?params, symbols.</summary>
public static class Lexer
{
    private static readonly string[] Symbols = ["==", "!=", "<=", ">=", "<", ">", "=", "+", "-", "*", "/", "%", "(", ")", ",", ".", "{", "}", "::", ":"];

    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n') i++;
                continue;
            }
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                // A block comment, as ES|QL allows anywhere between tokens.
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0) throw new EsqlException("unterminated /* comment", i);
                i = end + 2;
                continue;
            }
            var start = i;
            if (c == '|') { tokens.Add(new Token(TokenKind.Pipe, "|", i)); i++; continue; }
            if (c == '"')
            {
                var sb = new StringBuilder();
                var triple = i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"';
                i += triple ? 3 : 1;
                while (true)
                {
                    if (i >= text.Length) throw new EsqlException("unterminated string", start);
                    if (triple && text.AsSpan(i).StartsWith("\"\"\"")) { i += 3; break; }
                    if (!triple && text[i] == '"') { i++; break; }
                    if (!triple && text[i] == '\\' && i + 1 < text.Length)
                    {
                        var e = text[i + 1];
                        sb.Append(e switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => e });
                        i += 2;
                        continue;
                    }
                    sb.Append(text[i++]);
                }
                tokens.Add(new Token(TokenKind.String, sb.ToString(), start));
                continue;
            }

            if (c == '?')
            {
                i++;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_')) i++;
                tokens.Add(new Token(TokenKind.Param, text[(start + 1)..i], start));
                continue;
            }
            if (char.IsAsciiDigit(c))
            {
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || (text[i] == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))) i++;
                var s = text[start..i];
                tokens.Add(new Token(TokenKind.Number, s, start, double.Parse(s, CultureInfo.InvariantCulture)));
                continue;
            }
            if (char.IsLetter(c) || c is '_' or '@' or '`')
            {
                tokens.Add(new Token(TokenKind.Identifier, Name(text, ref i), start));
                continue;
            }
            var symbol = Symbols.FirstOrDefault(sym => text.AsSpan(i).StartsWith(sym));
            if (symbol is null) throw new EsqlException($"unexpected character '{c}'", i);
            tokens.Add(new Token(TokenKind.Symbol, symbol, i));
            i += symbol.Length;
        }
        tokens.Add(new Token(TokenKind.End, "", text.Length));
        return tokens;
    }

    // A name: dotted (process.hash.sha256, @timestamp), a wildcard pattern (logs-sysmon*), or made of segments some of
    // which are `back-quoted` for characters a name cannot hold (source.`as`.organization.name, amqp.`no-wait`; `` is
    // a back-quote inside one).
    private static string Name(string text, ref int i)
    {
        var start = i;
        var name = new System.Text.StringBuilder();
        while (true)
        {
            if (i < text.Length && text[i] == '`')
            {
                var from = i;
                i++;
                while (true)
                {
                    if (i >= text.Length) throw new EsqlException("unterminated `quoted` identifier", from);
                    if (text[i] == '`' && i + 1 < text.Length && text[i + 1] == '`') { name.Append('`'); i += 2; continue; }
                    if (text[i] == '`') { i++; break; }
                    name.Append(text[i++]);
                }
            }
            else
            {
                var from = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '@' or '.' or '*' or '-' && IsNameContinuation(text, i))) i++;
                name.Append(text, from, i - from);
            }
            // Goes on: a plain part ending in '.' before a quoted one, or a '.' after a quoted one.
            if (i < text.Length && text[i] == '`' && name.Length > 0 && name[^1] == '.') continue;
            if (i + 1 < text.Length && text[i] == '.' && text[i - 1] == '`' && (char.IsLetter(text[i + 1]) || text[i + 1] is '_' or '@' or '`'))
            {
                name.Append('.');
                i++;
                continue;
            }
            return i > start ? name.ToString() : throw new EsqlException("expected a name", start);
        }
    }

    // '-' continues a name only inside index patterns (logs-sysmon-default, logs-sysmon-*), never as subtraction:
    // require a letter before it and a letter or '*' after it.
    private static bool IsNameContinuation(string text, int i) =>
        text[i] != '-' || (i + 1 < text.Length && (char.IsLetter(text[i + 1]) || text[i + 1] == '*') && i > 0 && char.IsLetter(text[i - 1]));
}
