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
            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", OneLevel))
            {
                var path = Path.Join(directory, entry.Name);
                if (entry is not DirectoryInfo) files.Add(path);
                else if (entry.LinkTarget is not null) notFollowed?.Add(path);
                else pending.Push(path);
            }
        }
        files.Sort(StringComparer.Ordinal);
        notFollowed?.Sort(StringComparer.Ordinal);
        return files;
    }
}
