namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>Values read straight from a store, for tests that check what a table holds.</summary>
internal static class StoreQueries
{
    public static object? Scalar(DuckDbStore store, string sql)
    {
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    /// <summary>The first column of every row.</summary>
    public static List<object?> Column(DuckDbStore store, string sql)
    {
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var values = new List<object?>();
        while (reader.Read()) values.Add(reader.IsDBNull(0) ? null : reader.GetValue(0));
        return values;
    }
}
