using System.IO.Enumeration;

namespace Sysmon.Ingest.Pipeline;

/// <summary>
/// The files under a directory, at any depth, in ordinal order of their paths (each joined to the root as given), for
/// `ingest`'s inputs and the worker's spool scans. A linked directory inside the walk (a symbolic link or a junction)
/// is not entered but handed back in <c>notFollowed</c>, as find and rsync do by default: .NET's own recursive
/// listing followed a link to a parent until the system's limit on nested links, and listed every file ~40 times.
/// A directory named as the root is read through its link.
/// </summary>
public static class DirectoryWalk
{
    private static readonly EnumerationOptions OneLevel = new()
    {
        RecurseSubdirectories = false,
        AttributesToSkip = 0, // hidden and system files too, as the recursive listing had them
        IgnoreInaccessible = false,
        MatchType = MatchType.Win32,
    };

    public static List<string> Files(string root, List<string>? notFollowed = null)
    {
        var files = new List<string>();
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.TryPop(out var directory))
        {
            // Paths and two flags, no FileInfo per file: the worker lists its spools several times a second. Only a
            // directory's attributes are asked for (a file's would cost a stat each on Unix).
            var entries = new FileSystemEnumerable<(string Path, bool IsDirectory, bool IsReparsePoint)>(directory,
                static (ref FileSystemEntry e) => (e.ToSpecifiedFullPath(), e.IsDirectory, e.IsDirectory && (e.Attributes & FileAttributes.ReparsePoint) != 0),
                OneLevel);
            foreach (var (path, isDirectory, isReparsePoint) in entries)
            {
                if (!isDirectory) files.Add(path);
                // A reparse point that is no link (a cloud-synced folder on Windows) is entered like any directory.
                else if (isReparsePoint && new DirectoryInfo(path).LinkTarget is not null) notFollowed?.Add(path);
                else pending.Push(path);
            }
        }
        files.Sort(StringComparer.Ordinal);
        notFollowed?.Sort(StringComparer.Ordinal);
        return files;
    }
}
