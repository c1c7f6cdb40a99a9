namespace Sysmon.Ingest.Tests.Fixtures;

/// <summary>
/// A directory of one test (or one test class) of its own under $TMPDIR/<paramref name="area"/>, removed with it, and
/// with whatever it owns (a store's file, disposed first): test runs had left up to 430 MB each in $TMPDIR, on a machine
/// whose CI runs every session.
/// </summary>
public sealed class TempDirectory(string area) : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public string Path { get; } = Directory.CreateDirectory(
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), area, Guid.NewGuid().ToString("N"))).FullName;

    /// <summary>A file's path inside.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Disposes <paramref name="owned"/> before the directory goes (an open DuckDB file, say).</summary>
    public T Own<T>(T owned) where T : IDisposable
    {
        _owned.Add(owned);
        return owned;
    }

    public void Dispose()
    {
        foreach (var owned in _owned) owned.Dispose();
        _owned.Clear();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // a file still open elsewhere: left to the system's temp cleaning
        }
    }
}
