namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>One value read straight from a store, for tests that check what a table holds.</summary>
internal static class StoreQueries
{
    public static object? Scalar(DuckDbStore store, string sql)
    {
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}
