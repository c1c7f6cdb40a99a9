using DuckDB.NET.Data;
using Sysmon.Stores.DuckDb.Schema;

namespace Sysmon.Stores.DuckDb;

/// <summary>The embedded store: one DuckDB file holding events, indicators, alerts and hunt results.</summary>
public sealed class DuckDbStore : IDisposable
{
    public string Path { get; }
    public DuckDBConnection Connection { get; }

    /// <summary>One connection serves the worker and the feed job: whoever uses it holds this gate.</summary>
    public Lock Gate { get; } = new();

    private DuckDbStore(string path, DuckDBConnection connection)
    {
        Path = path;
        Connection = connection;
    }

    /// <summary>Opens (creating if needed) the store at <paramref name="path"/> and brings its schema up to date.</summary>
    /// <param name="memoryLimit">DuckDB's memory limit (e.g. "256MB"), so that ingest stays within a known footprint.</param>
    public static DuckDbStore Open(string path, string? memoryLimit = "256MB", int? threads = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        DuckDBConnection connection;
        try
        {
            connection = new DuckDBConnection($"Data Source={full}");
            connection.Open();
        }
        catch (DuckDBException ex)
        {
            throw new StoreException($"cannot open DuckDB file {path}: {ex.Message}", ex);
        }
        try
        {
            if (memoryLimit is not null) DuckDbSchema.Execute(connection, $"SET memory_limit = '{memoryLimit}'");
            DuckDbSchema.Execute(connection, $"SET threads = {threads ?? Environment.ProcessorCount}");
            DuckDbSchema.Execute(connection, "SET preserve_insertion_order = false");
            DuckDbSchema.Execute(connection, "SET checkpoint_threshold = '128MB'");
            DuckDbSchema.Ensure(connection, path);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        return new DuckDbStore(path, connection);
    }

    public long Count(string table = "events")
    {
        using var cmd = Connection.CreateCommand();
        cmd.CommandText = $"SELECT count(*) FROM {table}";
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose() => Connection.Dispose();
}
