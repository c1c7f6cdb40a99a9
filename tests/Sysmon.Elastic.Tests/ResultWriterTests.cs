using FluentAssertions;
using Sysmon.Elastic.Cli;
using Sysmon.Queries;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>The table format for people: narrow results as a table, a whole event (some 130 columns) as one block of
/// field and value lines per row. FROM logs-sysmon-* printed one line of thousands of characters per event.</summary>
public sealed class ResultWriterTests
{
    private static string Table(HuntResult result, int width)
    {
        using var output = new StringWriter();
        ResultWriter.Write(output, result, "table", width);
        return output.ToString().ReplaceLineEndings("\n");
    }

    [Fact]
    public void A_narrow_result_is_a_table()
    {
        var result = new HuntResult(["c", "host.name"], [[3L, "WKS-1"], [1L, "WKS-2"]]);
        Table(result, 80).Should().Be("c  host.name\n-  ---------\n3  WKS-1\n1  WKS-2\n(2 rows)\n");
    }

    [Fact]
    public void A_long_image_path_gives_way_in_a_table_and_a_hash_keeps_its_64_characters()
    {
        // hash-stats with one long path was 217 characters wide: every row became a block.
        const string sha = "cb128faf0430ce1a90412546e90a3b6446c74887d696485cc2c3aaf10714a428";
        var path = @"C:\Users\alice\AppData\Local\Microsoft\Windows\INetCache\Content.Outlook\Q3ZT9KPL\invoice-2026-final-v2 (3).exe";
        var seen = new DateTime(2026, 1, 5, 10, 0, 0, DateTimeKind.Utc);
        var result = new HuntResult(["executions", "hosts", "first_seen", "last_seen", "process.executable", "process.hash.sha256"],
            [[8L, 1L, seen, seen, path, sha], [3L, 2L, seen, seen, @"C:\Windows\System32\wusa.exe", sha]]);
        var lines = Table(result, 200).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().StartWith("executions  hosts  first_seen");
        lines.Should().OnlyContain(l => l.Length <= 200);
        lines[2].Should().Contain(path[..60]).And.Contain("… ").And.EndWith(sha);
        lines[3].Should().Contain(@"C:\Windows\System32\wusa.exe ").And.EndWith(sha);
        lines[^1].Should().Be("(2 rows)");
        Table(result, 120).Should().StartWith("-- row 1 --", "the path would have to be cut below 24 characters, the hash too");
    }

    [Fact]
    public void A_result_wider_than_the_screen_is_a_block_per_row_without_its_empty_fields()
    {
        var columns = Enumerable.Range(0, 30).Select(i => $"field.number_{i}").ToList();
        columns[0] = "@timestamp";
        columns[1] = "process.command_line";
        var row = new object?[30];
        row[0] = new DateTime(2026, 1, 5, 10, 0, 0, DateTimeKind.Utc);
        row[1] = "powershell.exe -enc\nSQBFAFgA";
        row[7] = 4242L;
        var text = Table(new HuntResult(columns, [row, row]), 200);
        text.Should().StartWith("-- row 1 --\n@timestamp            2026-01-05T10:00:00.000Z\nprocess.command_line  powershell.exe -enc SQBFAFgA\nfield.number_7        4242\n-- row 2 --\n")
            .And.EndWith("(2 rows; 30 columns, empty ones left out)\n")
            .And.NotContain("field.number_8");
        Table(new HuntResult(columns, [row]), 10_000).Should().MatchRegex("^@timestamp +process.command_line +field.number_2 ", "it fits a wider screen");
    }
}
