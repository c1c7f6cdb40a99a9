using System.Text;
using FluentAssertions;
using Sysmon.Stores.Elasticsearch.Connection;
using Sysmon.Stores.Elasticsearch.Hunts;
using Sysmon.Stores.Elasticsearch.Writing;
using Xunit;

namespace Sysmon.Stores.Elasticsearch.Tests;

/// <summary>The answers Elasticsearch documents for _bulk and _query, read into outcomes (shapes from the
/// reference docs' examples: per-item status, error with caused_by, failure_store "used").</summary>
public sealed class ResponseReadingTests
{
    private const string Bulk = """
        {"errors":true,"items":[
          {"create":{"status":201}},
          {"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"[x]: version conflict, document already exists"}}},
          {"create":{"status":400,"error":{"type":"document_parsing_exception","reason":"[1:40] failed to parse field [destination.ip] of type [ip]","caused_by":{"type":"illegal_argument_exception","reason":"'not-an-ip' is not an IP string literal."}}}},
          {"create":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"}}},
          {"create":{"status":201,"failure_store":"used"}},
          {"create":{"status":503,"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"}}}
        ]}
        """;

    [Fact]
    public void Bulk_items_are_stored_duplicate_refused_or_retried_and_the_failure_store_is_not_stored()
    {
        var items = BulkItemResult.ReadAll(Encoding.UTF8.GetBytes(Bulk));
        items.Select(i => (i.Stored, i.Duplicate, i.Retry, i.FailureStoreUsed)).Should().Equal(
            (true, false, false, false),
            (false, true, false, false),
            (false, false, false, false),
            (false, false, true, false),
            (false, false, false, true),
            (false, false, true, false));
        items[2].Reason.Should().Contain("destination.ip").And.Contain("'not-an-ip' is not an IP", "the cause says what was wrong");
    }

    [Fact]
    public void Error_bodies_read_as_one_line_with_their_type_and_non_json_bodies_as_text()
    {
        var (type, reason) = ErrorReason.Read(Encoding.UTF8.GetBytes("""{"error":{"root_cause":[],"type":"verification_exception","reason":"Found 1 problem\nline 1:30: Unknown column [nope]"},"status":400}"""));
        type.Should().Be("verification_exception");
        reason.Should().Contain("Unknown column [nope]");
        ErrorReason.Read("<html>Bad gateway</html>"u8).Reason.Should().Be("<html>Bad gateway</html>");
    }

    [Fact]
    public void An_esql_answer_reads_into_the_same_result_shape_as_duckdb()
    {
        var body = """
            {"took":12,"is_partial":false,"documents_found":3,"columns":[
              {"name":"first_seen","type":"date"},{"name":"runs","type":"long"},{"name":"hosts","type":"long"},
              {"name":"ratio","type":"double"},{"name":"process.executable","type":"keyword"},{"name":"ips","type":"ip"},{"name":"flag","type":"boolean"}],
             "values":[
              ["2026-01-05T10:00:01.123Z",3,2,1.5,"C:\\x.exe",["203.0.113.1","203.0.113.2"],true],
              [null,1,1,2.0,null,"198.51.100.7",false]]}
            """;
        var result = EsqlResponse.Read(Encoding.UTF8.GetBytes(body));
        result.Columns.Should().Equal("first_seen", "runs", "hosts", "ratio", "process.executable", "ips", "flag");
        result.Rows.Should().HaveCount(2);
        result.Rows[0][0].Should().Be(new DateTime(2026, 1, 5, 10, 0, 1, 123, DateTimeKind.Utc));
        ((DateTime)result.Rows[0][0]!).Kind.Should().Be(DateTimeKind.Utc);
        result.Rows[0][1].Should().Be(3L);
        result.Rows[0][3].Should().Be(1.5);
        result.Rows[0][4].Should().Be("C:\\x.exe");
        result.Rows[0][5].Should().BeEquivalentTo(new List<object?> { "203.0.113.1", "203.0.113.2" });
        result.Rows[0][6].Should().Be(true);
        result.Rows[1][0].Should().BeNull();
        result.Rows[1][3].Should().Be(2.0, "a double column stays double even when the value is whole");
        result.Rows[1][5].Should().Be("198.51.100.7");
    }

    [Fact]
    public void A_success_answer_that_is_not_json_is_one_clear_error()
    {
        var bulk = () => BulkItemResult.ReadAll(Encoding.UTF8.GetBytes("<html>proxy login</html>"));
        bulk.Should().Throw<ElasticsearchRequestException>().WithMessage("the answer to _bulk is not Elasticsearch's JSON*");
        var esql = () => EsqlResponse.Read("{\"columns\":[{\"name\":"u8);
        esql.Should().Throw<ElasticsearchRequestException>().WithMessage("the answer to _query is not Elasticsearch's JSON*");
    }

    [Theory]
    // ES|QL's warnings as Elasticsearch sends them: code, agent, quoted text (quotes inside escaped), optional date.
    [InlineData("299 Elasticsearch-9.1.0-abcdef \"Line 1:40: evaluation of [TO_LONG(host.name)] failed, treating result as null. Only first 20 failures recorded.\"",
        "Line 1:40: evaluation of [TO_LONG(host.name)] failed, treating result as null. Only first 20 failures recorded.")]
    [InlineData("299 Elasticsearch-9.1.0-abcdef \"Line 1:40: java.lang.NumberFormatException: For input string: \\\"WKS-IT\\\"\" \"Sat, 05 Dec 2026 10:00:00 GMT\"",
        "Line 1:40: java.lang.NumberFormatException: For input string: \"WKS-IT\"")]
    [InlineData("not the RFC form", "not the RFC form")]
    public void Warning_headers_read_as_their_text(string header, string text)
    {
        WarningHeader.Text(header).Should().Be(text);
    }

    [Fact]
    public void A_partial_esql_answer_is_noticed()
    {
        EsqlResponse.Read("""{"is_partial":true,"columns":[{"name":"n","type":"long"}],"values":[[1]]}"""u8, out var partial).Rows.Should().HaveCount(1);
        partial.Should().BeTrue();
        EsqlResponse.Read("""{"is_partial":false,"columns":[],"values":[]}"""u8, out partial);
        partial.Should().BeFalse();
    }

    [Fact]
    public void A_query_sends_only_the_parameters_it_names_with_times_in_iso_8601()
    {
        var body = ElasticsearchHuntEngine.Body("FROM logs-sysmon-* | WHERE @timestamp >= ?from AND x <= ?max_hosts",
            new Dictionary<string, object?>
            {
                ["from"] = new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.FromHours(2)),
                ["max_hosts"] = 2L,
                ["unused"] = "x",
            });
        Encoding.UTF8.GetString(body).Should().Be(
            """{"query":"FROM logs-sysmon-* | WHERE @timestamp \u003E= ?from AND x \u003C= ?max_hosts","params":[{"from":"2026-01-05T08:00:00.000Z"},{"max_hosts":2}]}""");
    }
}
