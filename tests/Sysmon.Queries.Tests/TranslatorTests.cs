using System.Globalization;
using DuckDB.NET.Data;
using FluentAssertions;
using Sysmon.Queries.Esql;
using Xunit;

namespace Sysmon.Queries.Tests;

/// <summary>
/// Each construct: the ES|QL input, the SQL it becomes, and the rows DuckDB returns on a small fixture whose
/// expected rows are computed by hand. Unsupported constructs are errors naming the construct and position.
/// </summary>
public sealed class TranslatorTests : IDisposable
{
    private readonly DuckDBConnection _db = new("Data Source=:memory:");

    private static readonly string[] Columns = ["@timestamp", "host.name", "event.code", "process.name", "process.pid", "destination.port"];

    public TranslatorTests()
    {
        _db.Open();
        using var cmd = _db.CreateCommand();
        cmd.CommandText = """
            CREATE TABLE ev ("@timestamp" TIMESTAMP, "host.name" VARCHAR, "event.code" VARCHAR, "process.name" VARCHAR, "process.pid" BIGINT, "destination.port" BIGINT);
            INSERT INTO ev VALUES
              ('2026-01-05 10:00:00', 'WKS-1', '1', 'cmd.exe', 100, NULL),
              ('2026-01-05 10:01:00', 'WKS-1', '3', 'chrome.exe', 200, 443),
              ('2026-01-05 10:02:00', 'WKS-2', '3', 'chrome.exe', 201, 80),
              ('2026-01-05 10:03:00', 'WKS-2', '1', 'powershell.exe', 300, NULL),
              ('2026-01-05 10:04:00', 'WKS-3', '3', NULL, 400, 8443);
            """;
        cmd.ExecuteNonQuery();
    }

    public void Dispose() => _db.Dispose();

    private static DuckDbTranslator Translator(Dictionary<string, object?>? parameters = null) =>
        new(pattern => pattern switch
        {
            _ when pattern.StartsWith("logs-sysmon", StringComparison.Ordinal) => new SourceTable("ev", Columns),
            _ when pattern.StartsWith("sysmon-hunts", StringComparison.Ordinal) => new SourceTable("hunts", ["hunt"]),
            _ => null,
        }, parameters, knownIndices: "logs-sysmon*, sysmon-hunts");

    private (List<string> Columns, List<string> Rows) Run(string esql, Dictionary<string, object?>? parameters = null)
    {
        var sql = Translator(parameters).Translate(esql);
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Format(reader.GetValue(i)))));
        }
        return (columns, rows);
    }

    private static string Format(object value) => value switch
    {
        DateTime t => t.ToString("HH:mm", CultureInfo.InvariantCulture),
        System.Collections.IEnumerable list and not string => "[" + string.Join(",", list.Cast<object>().Select(o => o.ToString()).Order()) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    [Fact]
    public void From_passes_over_wildcard_patterns_that_match_nothing_as_elasticsearch_does()
    {
        // Elastic's detection rules name every integration's indices; the ones a store lacks match nothing.
        var (_, rows) = Run("FROM logs-endpoint.events.process-*, endgame-*, logs-sysmon-* | STATS n = COUNT(*)");
        var (_, all) = Run("FROM logs-sysmon-* | STATS n = COUNT(*)");
        rows.Should().Equal(all).And.NotContain("0");
    }

    [Fact]
    public void Line_and_block_comments_are_skipped_as_in_esql()
    {
        var (_, plain) = Run("FROM logs-sysmon-* | WHERE event.code == \"3\" | STATS n = COUNT(*)");
        var (_, commented) = Run("""
            /* Elastic's rules carry notes */ FROM logs-sysmon-* // every event
            | WHERE /* connections */ event.code == "3" // not "3 // x"
            | STATS n = COUNT(*) /* a block
                                    over two lines */
            """);
        commented.Should().Equal(plain).And.NotContain("0");
        var open = () => Translator().Translate("FROM logs-sysmon-* /* never closed");
        open.Should().Throw<EsqlException>().WithMessage("unterminated /* comment (at character 20)");
    }

    [Fact]
    public void Where_with_comparison_boolean_logic_and_in()
    {
        var (_, rows) = Run("FROM logs-sysmon-default | WHERE event.code == \"3\" AND (destination.port > 100 OR host.name IN (\"WKS-2\")) | KEEP process.pid");
        rows.Should().Equal("200", "201", "400");
    }

    [Fact]
    public void Inline_stats_keeps_every_row_and_adds_its_group_s_aggregates()
    {
        // Fixture: WKS-1 pids 100 and 200, WKS-2 201 and 300, WKS-3 400 (no process name).
        var r = Run("FROM logs-sysmon | SORT process.pid | INLINE STATS n = COUNT(*), top = MAX(process.pid) BY host.name | LIMIT 4 | KEEP process.pid, n, top, host.name");
        r.Columns.Should().Equal("process.pid", "n", "top", "host.name");
        r.Rows.Should().Equal("100|2|200|WKS-1", "200|2|200|WKS-1", "201|2|300|WKS-2", "300|2|300|WKS-2");
        // Without BY, the whole input's aggregate on every row; a null group key is a group of its own.
        Run("FROM logs-sysmon | INLINESTATS total = COUNT(*) | STATS t = MAX(total)").Rows.Should().Equal("5");
        Run("FROM logs-sysmon | INLINE STATS names = COUNT(*) BY process.name | WHERE process.name IS NULL | KEEP names").Rows.Should().Equal("1");
        // The input's columns stay, in place; the group column moves to the end.
        Run("FROM logs-sysmon | INLINE STATS c = COUNT_DISTINCT(host.name) BY event.code | LIMIT 1").Columns
            .Should().Equal("@timestamp", "host.name", "process.name", "process.pid", "destination.port", "c", "event.code");
    }

    [Fact]
    public void Stats_count_by_gives_aggregates_first_then_groups_and_sort_keeps_its_order()
    {
        var (columns, rows) = Run("FROM logs-sysmon-* | STATS n = COUNT(*), hosts = COUNT_DISTINCT(host.name) BY process.name | SORT n DESC, process.name");
        columns.Should().Equal("n", "hosts", "process.name");
        rows.Should().Equal("2|2|chrome.exe", "1|1|cmd.exe", "1|1|powershell.exe", "1|1|null");
    }

    [Fact]
    public void Sort_puts_nulls_last_ascending_and_first_descending_unless_told()
    {
        Run("FROM logs-sysmon | SORT destination.port | KEEP destination.port").Rows.Should().Equal("80", "443", "8443", "null", "null");
        Run("FROM logs-sysmon | SORT destination.port DESC | KEEP destination.port").Rows.Should().Equal("null", "null", "8443", "443", "80");
        Run("FROM logs-sysmon | SORT destination.port DESC NULLS LAST | LIMIT 2 | KEEP destination.port").Rows.Should().Equal("8443", "443");
        // A LIMIT after commands that keep every row cuts the sorted rows; a WHERE between them does not.
        Run("FROM logs-sysmon | SORT process.pid DESC | EVAL x = process.pid * 2 | RENAME x AS y | LIMIT 3 | KEEP y").Rows.Should().Equal("800", "600", "402");
        Run("FROM logs-sysmon | SORT process.pid DESC | WHERE process.pid < 300 | LIMIT 2 | KEEP process.pid").Rows.Should().Equal("201", "200");
        Run("FROM logs-sysmon | SORT process.pid | KEEP process.pid").Rows.Should().Equal("100", "200", "201", "300", "400");
        // A WHERE right after SORT filters before it: the same rows in the same order.
        Run("FROM logs-sysmon | SORT process.pid DESC | WHERE event.code == \"3\" | WHERE process.pid > 200 | KEEP process.pid").Rows.Should().Equal("400", "201");
        Run("FROM logs-sysmon | SORT destination.port DESC NULLS LAST | WHERE event.code == \"3\" | LIMIT 2 | KEEP destination.port").Rows.Should().Equal("8443", "443");
        Run("FROM logs-sysmon | SORT process.pid | EVAL p = process.pid * 10 | WHERE p > 2000 | KEEP p").Rows.Should().Equal("2010", "3000", "4000");
        Run("FROM logs-sysmon | SORT process.pid DESC | KEEP event.code | STATS n = COUNT(*) BY event.code | SORT event.code").Rows.Should().Equal("2|1", "3|3");
        // STATS drops the order, so the SORT before it numbers nothing (over 1M events: 0.65-0.82 s and 198 MB -> 0.41 s and 106 MB).
        Translator().Translate("FROM logs-sysmon | SORT process.pid DESC | KEEP event.code | STATS n = COUNT(*) BY event.code").Should().NotContain("row_number");
    }

    [Fact]
    public void Eval_appends_or_replaces_columns_and_functions_translate()
    {
        var (columns, rows) = Run("FROM logs-sysmon | WHERE process.pid < 300 | EVAL name = TO_UPPER(process.name), label = CONCAT(host.name, \":\", process.name), process.pid = process.pid * 2 | KEEP name, label, process.pid");
        columns.Should().Equal("name", "label", "process.pid");
        rows.Should().Equal("CMD.EXE|WKS-1:cmd.exe|200", "CHROME.EXE|WKS-1:chrome.exe|400", "CHROME.EXE|WKS-2:chrome.exe|402");
        Run("FROM logs-sysmon | EVAL k = CASE(destination.port == 443, \"tls\", destination.port IS NULL, \"none\", \"other\") | KEEP k").Rows
            .Should().Equal("none", "tls", "other", "none", "other");
        Run("FROM logs-sysmon | EVAL p = COALESCE(process.name, \"?\") | WHERE p == \"?\" | KEEP process.pid").Rows.Should().Equal("400");
    }

    [Fact]
    public void Like_uses_star_and_question_mark_and_rlike_matches_the_whole_value()
    {
        Run("FROM logs-sysmon | WHERE process.name LIKE \"*.exe\" AND process.name NOT LIKE \"c?d*\" | KEEP process.name").Rows
            .Should().Equal("chrome.exe", "chrome.exe", "powershell.exe");
        Run("FROM logs-sysmon | WHERE process.name RLIKE \"c.*e\" | KEEP process.pid").Rows.Should().Equal("100", "200", "201");
        Run("FROM logs-sysmon | WHERE process.name RLIKE \"hrom\" | KEEP process.pid").Rows.Should().BeEmpty("RLIKE matches the whole value");
    }

    [Fact]
    public void Keep_drop_rename_and_wildcards()
    {
        Run("FROM logs-sysmon | KEEP process.*, host.name | LIMIT 1").Columns.Should().Equal("process.name", "process.pid", "host.name");
        Run("FROM logs-sysmon | DROP process.*, @timestamp | LIMIT 1").Columns.Should().Equal("host.name", "event.code", "destination.port");
        Run("FROM logs-sysmon | RENAME host.name AS host | KEEP host | LIMIT 1").Columns.Should().Equal("host");
    }

    [Fact]
    public void Parameters_become_literals_and_values_aggregates_lists()
    {
        var (_, rows) = Run("FROM logs-sysmon | WHERE host.name == ?host AND @timestamp >= ?from | STATS codes = VALUES(event.code) BY host.name",
            new Dictionary<string, object?> { ["host"] = "WKS-1", ["from"] = new DateTimeOffset(2026, 1, 5, 10, 0, 30, TimeSpan.Zero) });
        rows.Should().Equal("[3]|WKS-1");
    }

    [Fact]
    public void Without_limit_ES_QL_returns_at_most_1000_rows()
    {
        Translator().Translate("FROM logs-sysmon").Should().EndWith("LIMIT 1000");
        Translator().Translate("FROM logs-sysmon | LIMIT 5").Should().NotEndWith("LIMIT 1000");
    }

    [Theory]
    [InlineData("FROM logs-sysmon | ENRICH sysmon-ioc-ip ON destination.port", "ENRICH: no enrich policy 'sysmon-ioc-ip' (at character 20)")]
    [InlineData("FROM logs-sysmon | SAMPLE 0.1", "command SAMPLE is not in the supported ES|QL subset (at character 20)")]
    [InlineData("FROM logs-sysmon | WHERE nope == 1", "unknown column 'nope' (at character 26)")]
    // Close column names are offered, as Elasticsearch's ES|QL does.
    [InlineData("FROM logs-sysmon | WHERE process.nme == 1", "unknown column 'process.nme' (did you mean 'process.name'?) (at character 26)")]
    [InlineData("FROM logs-sysmon | KEEP host.nam", "KEEP: unknown column 'host.nam' (did you mean 'host.name'?) (at character 20)")]
    [InlineData("FROM logs-sysmon | KEEP usr*", "KEEP: no column matches 'usr*' (at character 20)")]
    // DROP of a name that is not a column left the column in without a word.
    [InlineData("FROM logs-sysmon | DROP host.nam", "DROP: unknown column 'host.nam' (did you mean 'host.name'?) (at character 20)")]
    [InlineData("FROM logs-sysmon | DROP user.*", "DROP: no column matches 'user.*' (at character 20)")]
    [InlineData("FROM logs-sysmon | WHERE event.code = \"1\"", "use == to compare (at character 37)")]
    [InlineData("FROM logs-sysmon | EVAL x = LEVENSHTEIN(host.name, \"a\")", "function LEVENSHTEIN is not in the supported ES|QL subset (at character 29)")]
    [InlineData("WHERE x == 1", "a query must start with FROM or ROW (at character 1)")]
    [InlineData("FROM logs-sysmon | WHERE host.name == ?missing", "no value for parameter ?missing (at character 39)")]
    [InlineData("FROM logs-sysmon | EVAL n = COUNT(*)", "aggregate COUNT is only allowed in STATS (at character 29)")]
    // FROM resolves as Elasticsearch does: a name without a wildcard must exist, and something must match.
    [InlineData("FROM logs-endpoint.events.process-default, logs-sysmon-*", "FROM logs-endpoint.events.process-default: no such index in the store (logs-sysmon*, sysmon-hunts) (at character 6)")]
    [InlineData("FROM endgame-*, winlogbeat-*", "FROM endgame-*, winlogbeat-*: no such index in the store (logs-sysmon*, sysmon-hunts) (at character 6)")]
    [InlineData("FROM logs-sysmon-*, sysmon-hunts", "FROM logs-sysmon-*, sysmon-hunts: these name two different tables of the store; a query reads one here (at character 6)")]
    [InlineData("FROM logs-sysmon-* METADATA _version, _score", "METADATA _score: not available here (the store has _version) (at character 1)")]
    public void Constructs_outside_the_subset_are_errors_with_their_position(string esql, string message)
    {
        var act = () => Translator().Translate(esql);
        act.Should().Throw<EsqlException>().WithMessage(message);
    }
}
