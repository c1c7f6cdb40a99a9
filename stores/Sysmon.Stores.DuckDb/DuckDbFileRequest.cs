namespace Sysmon.Stores.DuckDb;

/// <summary>
/// A note beside a DuckDB file from a process waiting to use it (a query, a hunt, an ingest). DuckDB lets one process
/// open a file, and a worker tailing a live log writes every second or so: it never idles long enough to let the file
/// go on its own, so a query or an ingest beside it was refused. The waiting process keeps its note fresh while it
/// waits and while it works, and deletes it when done; a worker that sees a fresh note lets the file go and holds off
/// until no fresh note is left. A note left by a process that was killed goes stale after <see cref="Freshness"/> and
/// is removed by the worker. One note per process, so that one finishing does not withdraw another's.
/// </summary>
public sealed class DuckDbFileRequest : IDisposable
{
    /// <summary>How long a note counts after it was last touched; its owner touches it every <see cref="TouchEvery"/>.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan TouchEvery = TimeSpan.FromSeconds(5);

    private readonly string _path;
    private readonly Timer _toucher;

    private DuckDbFileRequest(string path)
    {
        _path = path;
        _toucher = new Timer(_ => Touch(), null, TouchEvery, TouchEvery);
    }

    /// <summary>Leaves a note for the process holding <paramref name="databasePath"/>; null when it cannot be written (a
    /// directory this process may not write): it then only waits.</summary>
    public static DuckDbFileRequest? Raise(string databasePath)
    {
        var path = Prefix(databasePath) + $"{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            File.WriteAllText(path, "");
            return new DuckDbFileRequest(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>True while a waiting process's fresh note lies beside <paramref name="databasePath"/>. Stale notes are removed.</summary>
    public static bool IsPending(string databasePath)
    {
        var prefix = Prefix(databasePath);
        var directory = Path.GetDirectoryName(prefix)!;
        var pending = false;
        try
        {
            foreach (var note in Directory.EnumerateFiles(directory, Path.GetFileName(prefix) + "*"))
            {
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(note) < Freshness) pending = true;
                else TryDelete(note);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a directory that cannot be listed holds no note the worker can see
        }
        return pending;
    }

    private static string Prefix(string databasePath) => Path.GetFullPath(databasePath) + ".wait-";

    private void Touch()
    {
        try
        {
            File.SetLastWriteTimeUtc(_path, DateTime.UtcNow);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // removed as stale meanwhile (this process was paused for longer than Freshness): it simply counts no more
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // another worker or its owner removed it, or it is not ours to remove: it stays stale and ignored
        }
    }

    public void Dispose()
    {
        _toucher.Dispose();
        TryDelete(_path);
    }
}
