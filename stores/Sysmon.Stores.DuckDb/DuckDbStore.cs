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
            RemoveStaleLoadFiles(full);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        return new DuckDbStore(path, connection);
    }

    /// <summary>A new, unique path for a load file beside the store (see <see cref="DuckDbEventSink"/>).</summary>
    public string NewLoadFilePath() =>
        System.IO.Path.GetFullPath(Path) + $".load-{Environment.ProcessId}-{Guid.NewGuid():N}.ndjson";

    // Load files left by a run that was killed (their process is gone); a live process's files are its own.
    private static void RemoveStaleLoadFiles(string full)
    {
        var prefix = System.IO.Path.GetFileName(full) + ".load-";
        foreach (var file in Directory.EnumerateFiles(System.IO.Path.GetDirectoryName(full)!, prefix + "*.ndjson"))
        {
            var pid = System.IO.Path.GetFileName(file)[prefix.Length..].Split('-')[0];
            if (int.TryParse(pid, out var id) && IsRunning(id)) continue;
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // harmless: the next open tries again
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public long Count(string table = "events")
    {
        using var cmd = Connection.CreateCommand();
        cmd.CommandText = $"SELECT count(*) FROM {table}";
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose() => Connection.Dispose();
}
