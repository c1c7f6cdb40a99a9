using System.Diagnostics;

[assembly: Xunit.AssemblyFixture(typeof(Sysmon.Elastic.Tests.TestRunDirectory))]

namespace Sysmon.Elastic.Tests;

/// <summary>
/// The one directory this test run's stores, fleets and spools go under, removed when the run ends. Each test left
/// its directory behind before: runs over time filled the disk (35 GB in $TMPDIR/sysmon-elastic-tests), and a full
/// disk fails the next run. A run killed before its end is cleaned up by the next one.
/// </summary>
public sealed class TestRunDirectory : IDisposable
{
    private const string Prefix = "run-";

    private static readonly string Parent = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sysmon-elastic-tests");

    public static string Path { get; } = System.IO.Path.Combine(Parent, $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}");

    public TestRunDirectory()
    {
        if (!Directory.Exists(Parent)) return;
        foreach (var dir in Directory.EnumerateDirectories(Parent))
        {
            if (IsOfLiveRun(System.IO.Path.GetFileName(dir))) continue;
            Remove(dir);
        }
    }

    public void Dispose() => Remove(Path);

    // A run's own directory while its process lives; anything else there (a killed run's, the old one-per-test ones) is left over.
    private static bool IsOfLiveRun(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var dash = name.IndexOf('-', Prefix.Length);
        if (dash < 0 || !int.TryParse(name.AsSpan(Prefix.Length, dash - Prefix.Length), out var pid)) return false;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void Remove(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // in use or already gone: the next run tries again
        }
    }
}
