using System.Globalization;
using DuckDB.NET.Data;
using Sysmon.Queries.Esql;

namespace Sysmon.Queries.Tests.Fixtures;

/// <summary>One DuckDB table in memory, made and filled by the SQL given, that ES|QL is translated onto and run
/// against: the fixture of the translation tests, whose expected rows are computed by hand.</summary>
public sealed class InMemoryTable : IDisposable
{
    private readonly string _table;
    private readonly string[] _columns;
    private readonly string[] _lists;

    public InMemoryTable(string table, string[] columns, string createAndFill, string[]? listColumns = null)
    {
        (_table, _columns, _lists) = (table, columns, listColumns ?? []);
        Connection.Open();
        using var cmd = Connection.CreateCommand();
        cmd.CommandText = createAndFill;
        cmd.ExecuteNonQuery();
    }

    public DuckDBConnection Connection { get; } = new("Data Source=:memory:");

    public DuckDbTranslator Translator() => new(_ => new SourceTable(_table, _columns, ListColumns: _lists));

    /// <summary>The rows of the query, each as its values joined by | (null written "null", a list [a,b]).</summary>
    public List<string> Rows(string esql)
    {
        using var cmd = Connection.CreateCommand();
        cmd.CommandText = Translator().Translate(esql);
        using var r = cmd.ExecuteReader();
        var rows = new List<string>();
        while (r.Read())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "null" : Text(r.GetValue(i)))));
        }
        return rows;
    }

    // A list as [a,b]; anything else as invariant text.
    private static string Text(object value) => value is System.Collections.IEnumerable list and not string
        ? "[" + string.Join(",", list.Cast<object?>().Select(v => v is null ? "null" : Text(v))) + "]"
        : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    /// <summary>The column names of the query's result.</summary>
    public List<string> ColumnNames(string esql)
    {
        using var cmd = Connection.CreateCommand();
        cmd.CommandText = Translator().Translate(esql);
        using var r = cmd.ExecuteReader();
        return Enumerable.Range(0, r.FieldCount).Select(r.GetName).ToList();
    }

    public void Dispose() => Connection.Dispose();
}
