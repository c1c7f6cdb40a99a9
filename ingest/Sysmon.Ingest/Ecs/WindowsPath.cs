namespace Sysmon.Ingest.Ecs;

/// <summary>Windows path splitting that behaves the same on every OS (.NET's Path uses '/' on Linux).</summary>
public static class WindowsPath
{
    /// <summary>Text after the last backslash; null when there is none (Elastic leaves process.name unset for "System").</summary>
    public static string? FileName(string path)
    {
        var i = path.LastIndexOf('\\');
        return i < 0 ? null : path[(i + 1)..];
    }

    /// <summary>Text before the last backslash; null when there is none.</summary>
    public static string? Directory(string path)
    {
        var i = path.LastIndexOf('\\');
        return i < 0 ? null : path[..i];
    }

    /// <summary>Text after the last '.' of the whole path (Elastic's rule), or null.</summary>
    public static string? Extension(string path)
    {
        var i = path.LastIndexOf('.');
        return i < 0 || i == path.Length - 1 ? null : path[(i + 1)..];
    }
}
