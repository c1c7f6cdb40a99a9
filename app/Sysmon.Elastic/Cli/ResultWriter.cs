using System.Globalization;
using System.Text;
using System.Text.Json;
using Sysmon.Queries;

namespace Sysmon.Elastic.Cli;

/// <summary>Prints a query result as an aligned table, CSV, or JSON (an array of row objects keyed by column name).</summary>
public static class ResultWriter
{
    public static void Write(TextWriter output, HuntResult result, string format, int? maxTableWidth = null)
    {
        switch (format.ToLowerInvariant())
        {
            case "json": WriteJson(output, result); break;
            case "csv": WriteCsv(output, result); break;
            case "table": WriteTable(output, result, maxTableWidth ?? ScreenWidth.Value); break;
            default: throw new UsageException($"--format '{format}' is not one of table, csv, json");
        }
    }

    private static string Text(object? v) => HuntValue.ToText(v) ?? "";

    /// <summary>Table lines wider than this are written as one block per row instead: the screen's width on a terminal,
    /// 200 characters otherwise.</summary>
    private static readonly Lazy<int> ScreenWidth = new(() => Console.IsOutputRedirected ? 200 : Math.Max(80, SafeWindowWidth()));

    private static int SafeWindowWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return 200;
        }
    }

    private static void WriteTable(TextWriter output, HuntResult r, int maxWidth)
    {
        static string Flat(object? v) => Text(v).Replace('\n', ' ').Replace('\r', ' ');
        static string Cut(string s, int width) => s.Length > width ? s[..(width - 1)] + "…" : s;
        var widths = r.Columns.Select((c, i) => Math.Max(c.Length, r.Rows.Count == 0 ? 0 : r.Rows.Max(row => Math.Min(MaxCell, Flat(row[i]).Length))))
            .ToArray();
        if (r.Rows.Count > 0 && !Fit(widths, r.Columns, maxWidth - 2 * (widths.Length - 1)))
        {
            WriteRecords(output, r);
            return;
        }
        output.WriteLine(string.Join("  ", r.Columns.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in r.Rows) output.WriteLine(string.Join("  ", row.Select((v, i) => Cut(Flat(v), widths[i]).PadRight(widths[i]))).TrimEnd());
        output.WriteLine($"({r.Rows.Count} row{(r.Rows.Count == 1 ? "" : "s")})");
    }

    private const int MaxCell = 80, MinCutCell = 24;

    // hash-stats (counts, two dates, an image path, a SHA-256) was one block per row whenever one image path was long:
    // the widest columns are cut down first, one character at a time, each to no less than its name or MinCutCell, so
    // that a hash keeps its 64 characters while a path gives way. False when even that is too wide (whole events).
    private static bool Fit(int[] widths, IReadOnlyList<string> columns, int budget)
    {
        var excess = widths.Sum() - budget;
        while (excess > 0)
        {
            var widest = 0;
            for (var i = 1; i < widths.Length; i++) if (widths[i] > widths[widest]) widest = i;
            if (widths[widest] <= Math.Max(MinCutCell, columns[widest].Length)) return false;
            widths[widest]--;
            excess--;
        }
        return true;
    }

    // A whole event has some 130 columns, most of them empty for any one event id: a table of them was one line of
    // thousands of characters per row. Each row becomes a block of "field  value" lines, empty fields left out.
    private static void WriteRecords(TextWriter output, HuntResult r)
    {
        var width = r.Columns.Max(c => c.Length);
        for (var row = 0; row < r.Rows.Count; row++)
        {
            output.WriteLine($"-- row {row + 1} --");
            for (var i = 0; i < r.Columns.Count; i++)
            {
                var text = Text(r.Rows[row][i]);
                if (text.Length > 0) output.WriteLine(r.Columns[i].PadRight(width) + "  " + text.Replace("\r\n", " ", StringComparison.Ordinal).Replace('\n', ' '));
            }
        }
        output.WriteLine($"({r.Rows.Count} row{(r.Rows.Count == 1 ? "" : "s")}; {r.Columns.Count} columns, empty ones left out)");
    }

    private static void WriteCsv(TextWriter output, HuntResult r)
    {
        static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
        output.WriteLine(string.Join(",", r.Columns.Select(Quote)));
        foreach (var row in r.Rows) output.WriteLine(string.Join(",", row.Select(v => Quote(Text(v)))));
    }

    private static void WriteJson(TextWriter output, HuntResult r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartArray();
            foreach (var row in r.Rows)
            {
                w.WriteStartObject();
                for (var i = 0; i < r.Columns.Count; i++)
                {
                    w.WritePropertyName(r.Columns[i]);
                    Value(w, row[i]);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void Value(Utf8JsonWriter w, object? v)
    {
        switch (v)
        {
            case null: w.WriteNullValue(); break;
            case bool b: w.WriteBooleanValue(b); break;
            case long or int or short or byte or ulong or uint or ushort or sbyte: w.WriteNumberValue(Convert.ToDecimal(v, CultureInfo.InvariantCulture)); break;
            case double d: w.WriteNumberValue(d); break;
            case decimal m: w.WriteNumberValue(m); break;
            case System.Numerics.BigInteger big: w.WriteStringValue(big.ToString(CultureInfo.InvariantCulture)); break;
            case string s: w.WriteStringValue(s); break;
            case DateTime: w.WriteStringValue(Text(v)); break;
            case System.Collections.IEnumerable list:
                w.WriteStartArray();
                foreach (var item in list) Value(w, item);
                w.WriteEndArray();
                break;
            default: w.WriteStringValue(Text(v)); break;
        }
    }
}
