namespace Sysmon.Ingest.Pipeline;

/// <summary>One input to read: a file path as given (or found under a given directory), or "-" for stdin.</summary>
public sealed record InputFile(string Path, long Length)
{
    public bool IsStdin => Path == "-";
}

/// <summary>Expands the paths given on the command line: directories are walked (files with known extensions).</summary>
public static class InputFiles
{
    private static readonly HashSet<string> KnownExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".evtx", ".xml", ".json", ".ndjson", ".jsonl", ".log", ".txt", ".csv",
        // Compressed files and archives, read through (their content is sniffed like any file's).
        ".gz", ".tgz", ".tar", ".zip",
    };

    /// <summary>The extensions a directory walk reads, for messages ("no input found").</summary>
    public static string KnownExtensionList => string.Join(' ', KnownExtensions);

    /// <summary>True when a directory walk (or an archive's listing) reads a file of this name.</summary>
    public static bool IsKnown(string path) => KnownExtensions.Contains(System.IO.Path.GetExtension(path));

    /// <summary>Expands <paramref name="paths"/>; paths that do not exist are returned in <paramref name="missing"/>,
    /// what a directory walk left out in <paramref name="skipped"/>.</summary>
    public static List<InputFile> Expand(IEnumerable<string> paths, out List<string> missing, out InputSkips skipped)
    {
        var files = new List<InputFile>();
        missing = [];
        skipped = new InputSkips();
        foreach (var path in paths)
        {
            if (path == "-")
            {
                files.Add(new InputFile("-", 0));
            }
            else if (Directory.Exists(path))
            {
                foreach (var file in DirectoryWalk.Files(path, skipped.LinkedDirectories))
                {
                    if (!IsKnown(file))
                    {
                        skipped.UnknownExtension++;
                        continue;
                    }
                    var length = LengthOf(file);
                    // Nothing to read; and a named pipe or a device (length 0 too) would block the open, or never end.
                    // Named on the command line, such a file is read: `ingest <(zcat log.gz)` is a pipe.
                    if (length == 0) skipped.Empty++;
                    else files.Add(new InputFile(file, length));
                }
            }
            else if (File.Exists(path))
            {
                files.Add(new InputFile(path, LengthOf(path)));
            }
            else
            {
                missing.Add(path);
            }
        }
        return files;
    }

    // A symbolic link's own FileInfo gives the link's size (its target's name): a link to /dev/zero showed 9 bytes and
    // was read for ever, and progress counted linked logs by their names' lengths. The target's size is the one meant.
    // A dangling link keeps its own, and its open then says it is unreadable.
    private static long LengthOf(string path)
    {
        var info = new FileInfo(path);
        // Null when the path is no link: one readlink either way.
        return info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true } target ? target.Length : info.Length;
    }
}

/// <summary>What a directory walk left out: files of other extensions, empty files (or pipes and devices, which show
/// no length), and linked directories, which are not entered (see <see cref="DirectoryWalk"/>).</summary>
public sealed class InputSkips
{
    public int UnknownExtension { get; set; }

    public int Empty { get; set; }

    public List<string> LinkedDirectories { get; } = [];
}
