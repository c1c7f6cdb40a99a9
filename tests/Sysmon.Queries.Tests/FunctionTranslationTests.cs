using System.Globalization;
using DuckDB.NET.Data;
using FluentAssertions;
using Sysmon.Queries.Esql;
using Xunit;

namespace Sysmon.Queries.Tests;

/// <summary>DATE_TRUNC, BUCKET, CIDR_MATCH and MV_EXPAND on a fixture with time, IP-number and list columns.</summary>
public sealed class FunctionTranslationTests : IDisposable
{
    private readonly DuckDBConnection _db = new("Data Source=:memory:");
    private static readonly string[] Columns = ["@timestamp", "destination.ip", "destination.ip_num", "related.ip", "bytes"];

    public FunctionTranslationTests()
    {
        _db.Open();
        using var cmd = _db.CreateCommand();
        // ip_num = 281470681743360 (::ffff:0:0) + the IPv4 address as a number.
        cmd.CommandText = """
            CREATE TABLE t ("@timestamp" TIMESTAMP, "destination.ip" VARCHAR, "destination.ip_num" UHUGEINT, "related.ip" VARCHAR[], bytes BIGINT);
            INSERT INTO t VALUES
              ('2026-01-05 10:15:00', '198.51.100.7', 281470681743360 + 3325256711, ['10.0.0.1', '198.51.100.7'], 5),
              ('2026-01-05 10:45:00', '203.0.113.66', 281470681743360 + 3405803842, ['10.0.0.2', '203.0.113.66'], 15),
              ('2026-01-05 11:05:00', '192.0.2.1', 281470681743360 + 3221225985, ['10.0.0.3'], 25);
            """;
        cmd.ExecuteNonQuery();
    }

    public void Dispose() => _db.Dispose();

    private List<string> Rows(string esql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = new DuckDbTranslator(_ => new SourceTable("t", Columns)).Translate(esql);
        using var r = cmd.ExecuteReader();
        var rows = new List<string>();
        while (r.Read())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, r.FieldCount).Select(i => r.GetValue(i) switch
            {
                DateTime t => t.ToString("HH:mm", CultureInfo.InvariantCulture),
                var v => Convert.ToString(v, CultureInfo.InvariantCulture),
            })));
        }
        return rows;
    }

    [Fact]
    public void Date_trunc_and_bucket_group_by_time()
    {
        Rows("FROM logs | STATS n = COUNT(*) BY hour = DATE_TRUNC(1 hour, @timestamp) | SORT hour").Should().Equal("2|10:00", "1|11:00");
        Rows("FROM logs | STATS n = COUNT(*) BY b = BUCKET(@timestamp, 30 minutes) | SORT b").Should().Equal("1|10:00", "1|10:30", "1|11:00");
        Rows("FROM logs | STATS n = COUNT(*) BY b = BUCKET(bytes, 10) | SORT b").Should().Equal("1|0", "1|10", "1|20");
    }

    [Fact]
    public void Now_and_to_datetime_compare_with_the_stored_utc_time()
    {
        // A responder's first filter: the last N hours or days; both functions were "not in the supported subset".
        Rows("FROM logs | WHERE @timestamp > NOW() - 3650 days | STATS n = COUNT(*)").Should().Equal("3");
        Rows("FROM logs | WHERE @timestamp > NOW() - 1 hour | STATS n = COUNT(*)").Should().Equal("0");
        Rows("FROM logs | WHERE @timestamp >= TO_DATETIME(\"2026-01-05T10:45:00Z\") | KEEP @timestamp").Should().Equal("10:45", "11:05");
        Rows("FROM logs | WHERE @timestamp >= TO_DATETIME(\"2026-01-05T12:45:00+02:00\") | KEEP @timestamp").Should().Equal("10:45", "11:05");
        Rows("FROM logs | WHERE @timestamp < TO_DATETIME(\"2026-01-05T10:30:00\") | KEEP @timestamp").Should().Equal("10:15");
        var column = () => Rows("FROM logs | WHERE TO_DATETIME(destination.ip) IS NULL");
        column.Should().Throw<EsqlException>().WithMessage("TO_DATETIME takes one date string here*");
        var notADate = () => Rows("FROM logs | WHERE @timestamp > TO_DATETIME(\"yesterday\")");
        notADate.Should().Throw<EsqlException>().WithMessage("TO_DATETIME: 'yesterday' is not an ISO-8601 date*");
    }

    [Fact]
    public void Cidr_match_uses_the_numeric_twin()
    {
        Rows("FROM logs | WHERE CIDR_MATCH(destination.ip, \"198.51.100.0/24\", \"203.0.113.64/30\") | KEEP destination.ip").Should().Equal("198.51.100.7", "203.0.113.66");
        var act = () => Rows("FROM logs | WHERE CIDR_MATCH(bytes, \"10.0.0.0/8\")");
        act.Should().Throw<EsqlException>().WithMessage("*numeric twin*");
    }

    [Fact]
    public void Mv_expand_gives_one_row_per_value()
    {
        Rows("FROM logs | MV_EXPAND related.ip | WHERE related.ip LIKE \"10.*\" | KEEP related.ip").Should().Equal("10.0.0.1", "10.0.0.2", "10.0.0.3");
    }
}
