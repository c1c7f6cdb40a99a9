namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>DuckDB's settings as the store's connection has them now (what a load or a query runs under).</summary>
internal static class StoreSettings
{
    public static string Current(DuckDbStore store, string name)
    {
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = $"SELECT current_setting('{name}')";
        return System.Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    public static string MemoryLimit(DuckDbStore store) => Current(store, "memory_limit");

    public static long Threads(DuckDbStore store) => long.Parse(Current(store, "threads"), System.Globalization.CultureInfo.InvariantCulture);
}
