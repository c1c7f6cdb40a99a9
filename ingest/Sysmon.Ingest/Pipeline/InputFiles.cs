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

    /// <summary>Expands <paramref name="paths"/>; paths that do not exist are returned in <paramref name="missing"/>.</summary>
    public static List<InputFile> Expand(IEnumerable<string> paths, out List<string> missing, out int skippedUnknown)
    {
        var files = new List<InputFile>();
        missing = [];
        skippedUnknown = 0;
        foreach (var path in paths)
        {
            if (path == "-")
            {
                files.Add(new InputFile("-", 0));
            }
            else if (Directory.Exists(path))
            {
                foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    if (IsKnown(file)) files.Add(new InputFile(file, new FileInfo(file).Length));
                    else skippedUnknown++;
                }
            }
            else if (File.Exists(path))
            {
                files.Add(new InputFile(path, new FileInfo(path).Length));
            }
            else
            {
                missing.Add(path);
            }
        }
        return files;
    }
}
