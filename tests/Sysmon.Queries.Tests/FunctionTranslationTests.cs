using System.Globalization;
using DuckDB.NET.Data;
using FluentAssertions;
using Sysmon.Queries.Esql;
using Xunit;

namespace Sysmon.Queries.Tests;

/// <summary>DATE_TRUNC, BUCKET, CIDR_MATCH, MV_EXPAND and the string, date, multi-value and statistics functions on
/// a fixture with time, IP-number and list columns.</summary>
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
        cmd.CommandText = Translator().Translate(esql);
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

    private void Execute(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static DuckDbTranslator Translator() => new(_ => new SourceTable("t", Columns, ListColumns: ["related.ip"]));

    private List<string> ColumnNames(string esql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = Translator().Translate(esql);
        using var r = cmd.ExecuteReader();
        return Enumerable.Range(0, r.FieldCount).Select(r.GetName).ToList();
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
        // A column per row: an offset applied, none meaning UTC, a number epoch milliseconds, anything else null.
        Rows("FROM logs | EVAL t = CASE(bytes == 5, \"2026-01-05T12:45:00+02:00\", bytes == 15, \"2026-01-05 10:45:00\", \"yesterday\") " +
             "| EVAL d = TO_DATETIME(t), m = TO_DATETIME(1767609900000), invalid = TO_DATETIME(destination.ip) | KEEP d, m, invalid")
            .Should().Equal("10:45|10:45|", "10:45|10:45|", "|10:45|");
        var notADate = () => Rows("FROM logs | WHERE @timestamp > TO_DATETIME(\"yesterday\")");
        notADate.Should().Throw<EsqlException>().WithMessage("TO_DATETIME: 'yesterday' is not an ISO-8601 date*");
    }

    [Fact]
    public void Cidr_match_uses_the_numeric_twin()
    {
        Rows("FROM logs | WHERE CIDR_MATCH(destination.ip, \"198.51.100.0/24\", \"203.0.113.64/30\") | KEEP destination.ip").Should().Equal("198.51.100.7", "203.0.113.66");
        var act = () => Rows("FROM logs | WHERE CIDR_MATCH(bytes, \"10.0.0.0/8\")");
        act.Should().Throw<EsqlException>().WithMessage("*numeric twin*");
        // A bare address is its own block, as Elastic's hunting queries list "::1" beside "FE80::/10".
        Rows("FROM logs | WHERE CIDR_MATCH(destination.ip, \"::1\", \"192.0.2.1\", \"FE80::/10\") | KEEP destination.ip").Should().Equal("192.0.2.1");
        var junk = () => Rows("FROM logs | WHERE CIDR_MATCH(destination.ip, \"192.0.2.300\")");
        junk.Should().Throw<EsqlException>().WithMessage("CIDR_MATCH: '192.0.2.300' is not a CIDR or an address*");
    }

    [Fact]
    public void To_ip_keeps_an_ip_field_reads_a_constant_as_elasticsearch_prints_it_and_nulls_other_text()
    {
        // As Elastic's rules write it: NOT CIDR_MATCH(TO_IP(source.ip), ...) and BY ip = TO_IP(source.ip).
        Rows("FROM logs | WHERE NOT CIDR_MATCH(TO_IP(destination.ip), \"127.0.0.0/8\", \"::1\", \"198.51.100.0/24\") AND TO_IP(destination.ip) IS NOT NULL " +
             "| STATS n = COUNT(*) BY ip = TO_IP(destination.ip) | SORT ip").Should().Equal("1|192.0.2.1", "1|203.0.113.66");
        Rows("ROW a = TO_IP(\"10.1.2.3\"), b = TO_IP(\"::FFFF:10.1.2.3\"), c = TO_IP(\"2001:DB8:0:0::1\"), d = TO_IP(\"10.01.2.3\"), e = TO_IP(\"1.2.3\")")
            .Should().Equal("10.1.2.3|10.1.2.3|2001:db8::1||");
        // Text that is not a constant: kept when it reads as an address, null otherwise (ES|QL warns).
        Rows("FROM logs | EVAL a = TO_IP(CONCAT(\"10.0.0.\", TO_STRING(bytes))), b = TO_IP(CONCAT(\"x\", destination.ip)), " +
             "c = TO_IP(CONCAT(\"FE80::\", TO_STRING(bytes))) | KEEP a, b, c | SORT a")
            .Should().Equal("10.0.0.15||fe80::15", "10.0.0.25||fe80::25", "10.0.0.5||fe80::5");
        var number = () => Rows("ROW a = TO_IP(5)");
        number.Should().Throw<EsqlException>().WithMessage("TO_IP takes an address as a string*");
    }

    [Fact]
    public void An_ip_field_compared_with_addresses_compares_addresses_whatever_their_spelling()
    {
        // Sysmon writes IPv6 unabbreviated; Elasticsearch compares ip values as addresses.
        Execute("INSERT INTO t VALUES ('2026-01-05 12:00:00', 'ff02:0:0:0:0:0:1:3', 338963523518870617245727861364146372611, [], 1)");
        Rows("FROM logs | WHERE destination.ip == \"ff02::1:3\" | KEEP bytes").Should().Equal("1");
        Rows("FROM logs | WHERE \"FF02:0000::1:3\" == destination.ip | KEEP bytes").Should().Equal("1");
        Rows("FROM logs | WHERE destination.ip IN (\"ff02::1:3\", \"::ffff:192.0.2.1\") | KEEP bytes | SORT bytes").Should().Equal("1", "25");
        Rows("FROM logs | WHERE destination.ip NOT IN (\"ff02::1:3\", \"192.0.2.1\") | KEEP bytes | SORT bytes").Should().Equal("5", "15");
        Rows("FROM logs | WHERE destination.ip != \"198.51.100.7\" AND destination.ip < \"203.0.113.66\" | KEEP bytes").Should().Equal("25");
        Rows("FROM logs | WHERE TO_IP(destination.ip) == \"ff02::1:3\" | KEEP bytes").Should().Equal("1");
        // Not an address (ES|QL would refuse the constant): the texts are compared, as before.
        Rows("FROM logs | WHERE destination.ip == \"192.0.2\" | KEEP bytes").Should().BeEmpty();
        // After a KEEP without the twin, the texts are compared.
        Rows("FROM logs | KEEP destination.ip | WHERE destination.ip == \"192.0.2.1\"").Should().Equal("192.0.2.1");
        // Given a new value, the field's twin would be the old one's: it is dropped, and the new texts compared.
        Rows("FROM logs | EVAL destination.ip = \"192.0.2.1\" | WHERE destination.ip == \"192.0.2.1\" | STATS n = COUNT(*)").Should().Equal("4");
        var stale = () => Rows("FROM logs | EVAL destination.ip = \"10.0.0.9\" | WHERE CIDR_MATCH(destination.ip, \"10.0.0.0/8\")");
        stale.Should().Throw<EsqlException>().WithMessage("*numeric twin*");
        Rows("FROM logs | EVAL destination.ip = TO_IP(destination.ip) | WHERE CIDR_MATCH(destination.ip, \"192.0.2.0/24\") | KEEP bytes").Should().Equal("25");
    }

    [Fact]
    public void A_name_may_quote_some_of_its_parts()
    {
        // As Elastic's rules name source.`as`.organization.name and network_traffic.amqp.`no-wait`.
        Rows("FROM logs | EVAL network.`no-wait` = bytes > 10, `a``b`.c = 1 | WHERE `network`.`no-wait` | KEEP network.`no-wait`, `a``b.c`")
            .Should().Equal("True|1", "True|1");
        var open = () => Rows("FROM logs | KEEP `bytes");
        open.Should().Throw<EsqlException>().WithMessage("unterminated `quoted` identifier*");
    }

    [Fact]
    public void Inline_casts_are_the_conversion_functions()
    {
        Rows("FROM logs | EVAL s = CONCAT(\"[\", SPACE(3), \"]\"), n = LENGTH(SPACE(bytes)) | KEEP s, n | LIMIT 1").Should().Equal("[   ]|5");
        // As Elastic's script-block rules write a ratio: count::double / length::double.
        Rows("FROM logs | EVAL r = bytes::double / 2, i = bytes / 2, s = bytes::keyword, n = \"7\"::integer + 1 | KEEP r, i, s, n | LIMIT 1")
            .Should().Equal("2.5|2|5|8");
        var ip = () => Rows("FROM logs | EVAL x = destination.ip::ip");
        ip.Should().Throw<EsqlException>().WithMessage("::ip is not supported here*");
    }

    [Fact]
    public void String_functions_answer_as_in_esql()
    {
        Rows("FROM logs | WHERE STARTS_WITH(destination.ip, \"198.\") OR ENDS_WITH(destination.ip, \".1\") | KEEP destination.ip")
            .Should().Equal("198.51.100.7", "192.0.2.1");
        Rows("FROM logs | EVAL at = LOCATE(destination.ip, \".\"), none = LOCATE(destination.ip, \"x\") | KEEP at, none").Should().Equal("4|0", "4|0", "4|0");
        Rows("FROM logs | EVAL t = TRIM(CONCAT(\" \\t\", destination.ip, \" \")), l = LEFT(destination.ip, 3), r = RIGHT(destination.ip, 2) | KEEP t, l, r | LIMIT 1")
            .Should().Equal("198.51.100.7|198|.7");
        // The replacement is Java's: $1 names a group.
        Rows("FROM logs | EVAL x = REPLACE(destination.ip, \"^(\\\\d+)\\\\.(\\\\d+)\", \"$2.$1\") | KEEP x | LIMIT 1").Should().Equal("51.198.100.7");
        Rows("FROM logs | EVAL parts = SPLIT(destination.ip, \".\") | EVAL n = MV_COUNT(parts), last = MV_LAST(parts) | KEEP n, last | LIMIT 1")
            .Should().Equal(new[] { "4|7" }, "a split is multi-valued");
    }

    [Fact]
    public void Date_functions_read_the_stored_utc_time()
    {
        // 2026-01-05 is a Monday: day 1 of the ISO week, as java.time counts.
        Rows("FROM logs | EVAL h = DATE_EXTRACT(\"hour_of_day\", @timestamp), m = DATE_EXTRACT(\"MINUTE_OF_HOUR\", @timestamp), " +
             "w = DATE_EXTRACT(\"day_of_week\", @timestamp), y = DATE_EXTRACT(\"day_of_year\", @timestamp) | KEEP h, m, w, y")
            .Should().Equal("10|15|1|5", "10|45|1|5", "11|5|1|5");
        Rows("FROM logs | EVAL d = DATE_FORMAT(\"EEE dd MMM yyyy, HH:mm 'UTC'\", @timestamp), iso = DATE_FORMAT(@timestamp) | KEEP d, iso | LIMIT 1")
            .Should().Equal("Mon 05 Jan 2026, 10:15 UTC|2026-01-05T10:15:00.000Z");
        // Whole units from start to end: 10:15 to 11:05 is 0 hours, 50 minutes.
        Rows("FROM logs | STATS first = MIN(@timestamp), last = MAX(@timestamp) | EVAL h = DATE_DIFF(\"hours\", first, last), " +
             "mi = DATE_DIFF(\"minute\", first, last), back = DATE_DIFF(\"mi\", last, first) | KEEP h, mi, back").Should().Equal("0|50|-50");
        var part = () => Rows("FROM logs | EVAL x = DATE_EXTRACT(\"era\", @timestamp)");
        part.Should().Throw<EsqlException>().WithMessage("DATE_EXTRACT: date part 'era' is not supported here*");
        var letter = () => Rows("FROM logs | EVAL x = DATE_FORMAT(\"yyyy QQ\", @timestamp)");
        letter.Should().Throw<EsqlException>().WithMessage("DATE_FORMAT: pattern letter 'QQ' is not supported here*");
        var unit = () => Rows("FROM logs | EVAL x = DATE_DIFF(\"fortnight\", @timestamp, @timestamp)");
        unit.Should().Throw<EsqlException>().WithMessage("DATE_DIFF: unit 'fortnight' is not supported here*");
        var column = () => Rows("FROM logs | EVAL x = DATE_EXTRACT(destination.ip, @timestamp)");
        column.Should().Throw<EsqlException>().WithMessage("DATE_EXTRACT takes the date part as a string here*");
    }

    [Fact]
    public void Operators_compare_a_multi_value_of_one_and_give_null_for_one_of_several()
    {
        // As ES|QL: event.category == "process" holds for ["process"]; a list of two is null (the row is dropped).
        Rows("FROM logs | WHERE related.ip == \"10.0.0.3\" | KEEP destination.ip").Should().Equal("192.0.2.1");
        Rows("FROM logs | WHERE related.ip == \"10.0.0.1\" | KEEP destination.ip").Should().BeEmpty();
        Rows("FROM logs | WHERE related.ip LIKE \"10.*\" | KEEP destination.ip").Should().Equal("192.0.2.1");
        Rows("FROM logs | WHERE related.ip IN (\"10.0.0.3\", \"10.0.0.2\") | KEEP destination.ip").Should().Equal("192.0.2.1");
        Rows("FROM logs | EVAL same = related.ip == destination.ip | KEEP same").Should().Equal("", "", "False");
        const string Several = " has several values in some rows: an operator, LIKE or one-value function on it gave null there, as ES|QL's do (MV_EXPAND it first, or use MV_CONTAINS)";
        Warned("FROM logs | WHERE related.ip == \"10.0.0.3\" OR related.ip LIKE \"1*\" | KEEP destination.ip")
            .Should().Equal("related.ip" + Several + " (at character 19)", "related.ip" + Several + " (at character 47)");
        // As ES|QL: only where a row reaching the operator has several values.
        Warned("FROM logs | WHERE MV_COUNT(related.ip) == 1 | WHERE related.ip == \"10.0.0.3\"").Should().BeEmpty("the rows left have one value each");
        Warned("FROM logs | MV_EXPAND related.ip | WHERE related.ip == \"10.0.0.1\"").Should().BeEmpty("after MV_EXPAND each row has one value");
        Warned("FROM logs | SORT bytes | WHERE related.ip == \"10.0.0.3\" | LIMIT 1").Should().Equal("related.ip" + Several + " (at character 32)");
        // A string function of one value: null for several (Elastic's hunts REPLACE in registry.data.strings, a list), the
        // value for one. TO_LOWER and TO_UPPER take every value.
        Rows("FROM logs | EVAL r = REPLACE(related.ip, \"10\\\\.\", \"x.\"), n = LENGTH(related.ip) | KEEP r, n").Should().Equal("|", "|", "x.0.0.3|8");
        Warned("FROM logs | EVAL r = REPLACE(related.ip, \"1\", \"\")").Should().Equal("related.ip" + Several + " (at character 30)");
        Rows("FROM logs | EVAL u = TO_UPPER(TO_LOWER(related.ip)) | MV_EXPAND u | STATS n = COUNT(*)").Should().Equal("5");
    }

    // The warnings of a query whose probe finds a row in the fixture, as the DuckDB engine gives them.
    private List<string> Warned(string esql)
    {
        var translator = Translator();
        translator.Translate(esql);
        return translator.WarningProbes.Where(p =>
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = p.Sql;
            return cmd.ExecuteScalar() is not null;
        }).Select(p => p.Warning).ToList();
    }

    [Fact]
    public void Like_and_rlike_take_a_list_of_patterns_any_of_which_matches()
    {
        Rows("FROM logs | WHERE destination.ip LIKE (\"198.*\", \"192.*\") | KEEP destination.ip").Should().Equal("198.51.100.7", "192.0.2.1");
        Rows("FROM logs | WHERE destination.ip NOT LIKE (\"198.*\", \"192.*\") | KEEP destination.ip").Should().Equal("203.0.113.66");
        Rows("FROM logs | WHERE destination.ip RLIKE (\"2.*\", \"19[2]\\\\..*\") | KEEP destination.ip").Should().Equal("203.0.113.66", "192.0.2.1");
        Rows("FROM logs | WHERE destination.ip LIKE (\"203.*\") | KEEP destination.ip").Should().Equal("203.0.113.66");
    }

    [Fact]
    public void Mv_contains_holds_when_every_value_of_the_second_is_in_the_first()
    {
        Rows("FROM logs | EVAL both = MV_CONTAINS(related.ip, destination.ip), ten = MV_CONTAINS(related.ip, \"10.0.0.3\"), " +
             "none = MV_CONTAINS(related.ip, null), lists = MV_CONTAINS(related.ip, SPLIT(\"10.0.0.1,198.51.100.7\", \",\")) | KEEP both, ten, none, lists")
            .Should().Equal("True|False|True|True", "True|False|True|False", "False|True|True|False");
    }

    [Fact]
    public void Multi_value_functions_treat_a_single_value_as_a_list_of_one()
    {
        Rows("FROM logs | EVAL n = MV_COUNT(related.ip), one = MV_COUNT(destination.ip), f = MV_FIRST(related.ip), " +
             "all = MV_CONCAT(related.ip, \";\"), single = MV_FIRST(destination.ip) | KEEP n, one, f, all, single")
            .Should().Equal("2|1|10.0.0.1|10.0.0.1;198.51.100.7|198.51.100.7", "2|1|10.0.0.2|10.0.0.2;203.0.113.66|203.0.113.66", "1|1|10.0.0.3|10.0.0.3|192.0.2.1");
        Rows("FROM logs | RENAME related.ip AS ips | WHERE MV_COUNT(ips) > 1 | EVAL top = MV_MAX(ips) | KEEP top").Should().Equal("198.51.100.7", "203.0.113.66");
        Rows("FROM logs | STATS ips = VALUES(destination.ip) | EVAL n = MV_COUNT(ips) | KEEP n").Should().Equal("3");
        Rows("FROM logs | MV_EXPAND related.ip | EVAL n = MV_COUNT(related.ip) | STATS total = SUM(n)").Should().Equal(new[] { "5" }, "one per expanded row");
    }

    [Fact]
    public void Top_collects_the_first_values_in_order_and_count_distinct_takes_a_precision()
    {
        Rows("FROM logs | STATS t = TOP(bytes, 2, \"desc\"), low = TOP(bytes, 1, \"ASC\"), all = TOP(bytes, 9, \"asc\") | EVAL n = MV_COUNT(all), first = MV_FIRST(t), lowest = MV_FIRST(low) | KEEP first, n, lowest")
            .Should().Equal("25|3|5");
        Rows("FROM logs | STATS t = TOP(bytes, 5, \"desc\") WHERE bytes < 20 | EVAL n = MV_COUNT(t), top = MV_FIRST(t) | KEEP n, top").Should().Equal("2|15");
        Rows("FROM logs | STATS n = COUNT_DISTINCT(destination.ip, 3000)").Should().Equal("3");
        var bad = () => Rows("FROM logs | STATS t = TOP(bytes, 0, \"desc\")");
        bad.Should().Throw<EsqlException>().WithMessage("TOP takes a field, a number of values (1 or more) and \"asc\" or \"desc\"*");
        var order = () => Rows("FROM logs | STATS t = TOP(bytes, 2, \"down\")");
        order.Should().Throw<EsqlException>().WithMessage("TOP takes*");
    }

    [Fact]
    public void Median_percentile_and_standard_deviation_aggregate()
    {
        Rows("FROM logs | STATS m = MEDIAN(bytes), p = PERCENTILE(bytes, 50), p90 = PERCENTILE(bytes, 90), sd = ROUND(STD_DEV(bytes), 3)")
            .Should().Equal("15|15|23|8.165");
        // An aggregate's own WHERE: only the rows that meet it count (a COUNT of none is 0, a SUM of none null).
        Rows("FROM logs | STATS small = COUNT(*) WHERE bytes < 10, big = SUM(bytes) WHERE bytes > 10, none = SUM(bytes) WHERE bytes > 100, " +
             "ips = VALUES(destination.ip) WHERE bytes > 10, all = COUNT(*) | EVAL n = MV_COUNT(ips) | KEEP small, big, none, n, all").Should().Equal("1|40||2|3");
        Rows("FROM logs | STATS COUNT(*) WHERE bytes > 10 BY h = DATE_TRUNC(1 hour, @timestamp) | SORT h").Should().Equal("1|10:00", "1|11:00");
        ColumnNames("FROM logs | STATS COUNT(*) WHERE bytes > 10").Should().Equal("COUNT(*) WHERE bytes > 10");
        // Expressions over aggregates, as ES|QL allows them in STATS.
        Rows("FROM logs | STATS per = SUM(bytes) / COUNT(*), r = ROUND(AVG(bytes) / 10.0, 1) BY h = DATE_TRUNC(1 hour, @timestamp) | SORT h | KEEP per, r")
            .Should().Equal("10|1", "25|2.5");
        var bare = () => Rows("FROM logs | STATS x = bytes");
        bare.Should().Throw<EsqlException>().WithMessage("STATS needs aggregate functions*");
        var nested = () => Rows("FROM logs | STATS x = AVG(MAX(bytes))");
        nested.Should().Throw<EsqlException>().WithMessage("aggregate MAX inside another aggregate*");
        var outside = () => Rows("FROM logs | EVAL x = MAX(bytes)");
        outside.Should().Throw<EsqlException>().WithMessage("aggregate MAX is only allowed in STATS*");
    }

    [Fact]
    public void At_most_ten_thousand_rows_come_back_whatever_the_limit_but_a_limit_inside_counts_in_full()
    {
        Execute("INSERT INTO t SELECT TIMESTAMP '2026-01-06 00:00:00' + INTERVAL (i) SECOND, '192.0.2.9', NULL, NULL, i FROM range(12000) r(i)");
        Rows("FROM logs | LIMIT 50000 | KEEP bytes").Should().HaveCount(DuckDbTranslator.MaxRows);
        Rows("FROM logs | SORT bytes DESC | LIMIT 20000 | KEEP bytes").Should().HaveCount(10_000).And.StartWith("11999");
        Rows("FROM logs | LIMIT 12002 | STATS n = COUNT(*)").Should().Equal("12002");
        Rows("FROM logs | KEEP bytes").Should().HaveCount(DuckDbTranslator.DefaultLimit);
    }

    [Fact]
    public void Integers_divide_as_integers_rounding_toward_zero_and_any_double_makes_it_a_double()
    {
        Rows("FROM logs | EVAL i = bytes / 10, neg = (0 - bytes) / 10, d = bytes / 10.0, m = bytes % 10 | KEEP i, neg, d, m")
            .Should().Equal("0|0|0.5|5", "1|-1|1.5|5", "2|-2|2.5|5");
        Rows("FROM logs | STATS avg = SUM(bytes) / COUNT(*) BY h = DATE_TRUNC(1 hour, @timestamp) | SORT h | KEEP avg").Should().Equal("10", "25");
        Rows("FROM logs | STATS n = COUNT(*) | EVAL third = n / 2").Should().Equal("3|1");
    }

    [Fact]
    public void Dissect_cuts_new_columns_out_of_a_string_and_gives_null_where_it_does_not_match()
    {
        Rows("FROM logs | DISSECT destination.ip \"%{a}.%{b}.%{rest}\" | KEEP a, b, rest").Should().Equal("198|51|100.7", "203|0|113.66", "192|0|2.1");
        // Skipped keys, appended keys in their order with the separator, and an input that does not match.
        Rows("FROM logs | DISSECT destination.ip \"%{+x/2}.%{?skip}.%{}.%{+x/1}\" APPEND_SEPARATOR = \"-\" | KEEP x").Should().Equal("7-198", "66-203", "1-192");
        Rows("FROM logs | DISSECT destination.ip \"%{a}/%{b}\" | KEEP destination.ip, a, b | LIMIT 1").Should().Equal("198.51.100.7||");
        // A column of the same name is replaced and moves to the end, as EVAL does.
        ColumnNames("FROM logs | DISSECT destination.ip \"%{bytes}.%{x}\" | LIMIT 1").Should().EndWith(["bytes", "x"]).And.HaveCount(Columns.Length + 1);
        Rows("FROM logs | EVAL s = CONCAT(\"a  \", destination.ip) | DISSECT s \"%{p->} %{ip}\" | KEEP p, ip | LIMIT 1").Should().Equal("a|198.51.100.7");
        var reference = () => Rows("FROM logs | DISSECT destination.ip \"%{*k} %{&k}\"");
        reference.Should().Throw<EsqlException>().WithMessage("DISSECT: reference keys*");
        var adjacent = () => Rows("FROM logs | DISSECT destination.ip \"%{a}%{b}\"");
        adjacent.Should().Throw<EsqlException>().WithMessage("DISSECT: keys '%{a}' and the next one need a delimiter*");
    }

    [Theory]
    [InlineData("%{a} %{b}", "^(.*?) (.*)$")]
    [InlineData("[%{ts}] %{level->} %{msg}.", "^\\[(.*?)\\] (.*?)(?: )+(.*?)\\.$")]
    [InlineData("%{?x}|%{y}", "^(?:.*?)\\|(.*)$")]
    public void Dissect_patterns_become_anchored_regular_expressions(string pattern, string regex) =>
        DissectPattern.Parse(pattern, 0).Regex.Should().Be(regex);

    [Theory]
    [InlineData("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "%Y-%m-%dT%H:%M:%S.%gZ")]
    [InlineData("d/M/yy h:mm a", "%-d/%-m/%y %-I:%M %p")]
    [InlineData("HH 'o''clock' 100%", "%H o'clock 100%%")]
    [InlineData("''EEEE''", "'%A'")]
    public void Java_date_patterns_become_strftime_formats(string java, string strftime) =>
        JavaDatePattern.ToStrftime(java, 0).Should().Be(strftime);

    [Fact]
    public void Mv_expand_gives_one_row_per_value()
    {
        Rows("FROM logs | MV_EXPAND related.ip | WHERE related.ip LIKE \"10.*\" | KEEP related.ip").Should().Equal("10.0.0.1", "10.0.0.2", "10.0.0.3");
    }

    [Fact]
    public void Mv_expand_keeps_a_row_without_values_and_leaves_a_single_valued_column_alone()
    {
        // As ES|QL does (mv_expand.csv-spec: rows whose job_positions is null stay, with null); unnest dropped the row,
        // and failed on a column that is not a list.
        Execute("INSERT INTO t VALUES ('2026-01-05 12:00:00', '198.51.100.99', NULL, NULL, 35)");
        Rows("FROM logs | MV_EXPAND related.ip | STATS n = COUNT(*), ips = COUNT(related.ip)").Should().Equal("6|5");
        Rows("FROM logs | WHERE bytes == 35 | MV_EXPAND related.ip | KEEP destination.ip, related.ip").Should().Equal("198.51.100.99|");
        Rows("FROM logs | MV_EXPAND destination.ip | STATS n = COUNT(*)").Should().Equal("4");
        // SORT | MV_EXPAND | LIMIT: the sorted rows are cut first (each gives one or more rows), then the expanded ones.
        Rows("FROM logs | SORT bytes DESC | MV_EXPAND related.ip | LIMIT 3 | KEEP bytes, related.ip")
            .Should().BeEquivalentTo("35|", "25|10.0.0.3", "15|10.0.0.2");
        Translator().Translate("FROM logs | SORT bytes DESC | MV_EXPAND related.ip | LIMIT 3").Should().Contain("ORDER BY \"bytes\" DESC NULLS FIRST LIMIT 3)");
    }
}
