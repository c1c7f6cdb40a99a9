using DuckDB.NET.Data;
using FluentAssertions;
using Sysmon.Queries.Esql;
using Xunit;

namespace Sysmon.Queries.Tests;

/// <summary>RLIKE patterns are Lucene regular expressions in Elasticsearch; on the embedded store they are rewritten
/// for RE2 and must accept and refuse the same strings.</summary>
public sealed class LuceneRegexTests : IDisposable
{
    private readonly DuckDBConnection _db = new("Data Source=:memory:");

    public LuceneRegexTests() => _db.Open();

    public void Dispose() => _db.Dispose();

    private bool Matches(string text, string lucene)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT regexp_full_match($1, $2)";
        cmd.Parameters.Add(new DuckDBParameter(text));
        cmd.Parameters.Add(new DuckDBParameter(LuceneRegex.ToRe2(lucene, 0)));
        return (bool)cmd.ExecuteScalar()!;
    }

    [Theory]
    // Elastic's startup-folder hunt writes .+* (RE2 refuses stacked repeats; Lucene reads (.+)*).
    [InlineData(@"C:\Users\alice\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup\evil.lnk",
                @"(C:\\Users\\.+\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\.+*|C:\\ProgramData\\x)", true)]
    [InlineData(@"\\10.0.0.5\ADMIN$\psexesvc.exe", @"\\\\.+\\ADMIN$\\.+", true)] // $ is a character to Lucene
    [InlineData("ab", "ab$", false)]
    [InlineData("^ab", "^ab", true)]
    [InlineData("line one\nline two", "line.*two", true)] // . takes a line break
    [InlineData("bob@evil.example", ".*@evil\\.example", true)] // @ is any string
    [InlineData("bob@evil.example", "bob\\@evil.example", true)] // escaped, the character
    [InlineData("a+b", "\"a+b\"", true)] // quoted, a literal
    [InlineData("aab", "\"a+b\"", false)]
    [InlineData("b", @"\b", true)] // any other escaped letter is that letter (RE2: a word boundary)
    [InlineData("7z", @"\d\w", true)] // the classes Lucene knows
    [InlineData("x", "x+?", true)] // (x+)? : x* in Lucene (RE2: one or more, lazily)
    [InlineData("", "x+?", true)]
    [InlineData("xx", "x?+", true)]
    [InlineData("b", "[^\\]a]", true)]
    [InlineData("]", "[^\\]a]", false)]
    [InlineData("\\", "[\\\\]", true)]
    [InlineData("anything", "#", false)] // the empty language
    public void Rewritten_patterns_match_what_lucene_matches(string text, string lucene, bool expected) =>
        Matches(text, lucene).Should().Be(expected);

    [Theory]
    [InlineData("a&b", "RLIKE: '&' (intersection)*cannot express; escape it (\\&) to mean the character*")]
    [InlineData("~a", "RLIKE: '~' (complement)*")]
    [InlineData("<1-10>", "RLIKE: '<' (a numeric interval)*")]
    [InlineData("(?i)abc", "RLIKE: '(?' in pattern '(?i)abc' is not Lucene regular-expression syntax*")]
    [InlineData("[abc", "RLIKE: unclosed [*")]
    [InlineData("\"abc", "RLIKE: unclosed \"*")]
    public void What_re2_cannot_express_is_an_error_that_says_so(string lucene, string message)
    {
        var act = () => LuceneRegex.ToRe2(lucene, 0);
        act.Should().Throw<EsqlException>().WithMessage(message);
    }

    [Fact]
    public void Replace_reads_java_regular_expressions_so_a_utf16_command_loses_its_nuls()
    {
        // What Elastic's base64 hunt does to a decoded -EncodedCommand: UTF-16LE, so a NUL after every letter.
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "CREATE TABLE u (s VARCHAR); INSERT INTO u VALUES (to_base64(encode('I' || chr(0) || 'E' || chr(0) || 'X' || chr(0))));";
        cmd.ExecuteNonQuery();
        cmd.CommandText = new DuckDbTranslator(_ => new SourceTable("u", ["s"]))
            .Translate("FROM u | EVAL d = REPLACE(TO_LOWER(FROM_BASE64(s)), \"\"\"\\u0000\"\"\", \"\") | KEEP d");
        cmd.ExecuteScalar().Should().Be("iex");
        JavaRegex.ToRe2(@"a\u00e9[\u0041-\u005A]\d", 0).Should().Be(@"a\x{00e9}[\x{0041}-\x{005A}]\d");
        GrokPattern.Parse(@"(?<x>\u0041+)", 0).Regex.Should().Be(@"(\x{0041}+)");
    }

    [Theory]
    [InlineData("(?<=a)b", "*lookarounds and atomic groups are not supported*")]
    [InlineData("(?>ab)", "*lookarounds and atomic groups are not supported*")]
    [InlineData("a*+b", "*possessive repeats (*+, ++) are not supported*")]
    public void Java_constructs_re2_lacks_are_refused(string java, string message)
    {
        var act = () => JavaRegex.ToRe2(java, 0);
        act.Should().Throw<EsqlException>().WithMessage(message);
        JavaRegex.ToRe2(@"a\+\+b[+]+", 0).Should().Be(@"a\+\+b[+]+", "escaped and class pluses are characters");
    }

    [Fact]
    public void Base64_round_trips_and_text_that_is_not_base64_is_null()
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "CREATE TABLE t (s VARCHAR); INSERT INTO t VALUES ('d2hvYW1p'), ('not base64!');";
        cmd.ExecuteNonQuery();
        cmd.CommandText = new DuckDbTranslator(_ => new SourceTable("t", ["s"])).Translate("FROM t | EVAL d = FROM_BASE64(s), e = TO_BASE64(d) | KEEP d, e");
        using var r = cmd.ExecuteReader();
        r.Read().Should().BeTrue();
        (r.GetString(0), r.GetString(1)).Should().Be(("whoami", "d2hvYW1p"));
        r.Read().Should().BeTrue();
        r.IsDBNull(0).Should().BeTrue();
    }
}
