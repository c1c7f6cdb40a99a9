using System.Text.Json;

namespace Sysmon.Elastic.Worker;

/// <summary>What the worker has durably stored from each file: a tailed file's byte offset, or a whole file done.</summary>
public sealed class FileCheckpoint
{
    public long Offset { get; set; }
    public long Length { get; set; }
    public long LastWriteTicks { get; set; }
    public bool Done { get; set; }

    /// <summary>A tailed file's first bytes as <see cref="FileHead"/> hashed them (null: not yet, or a state file
    /// written before they were kept), and how many.</summary>
    public string? Head { get; set; }
    public int HeadLength { get; set; }
}

/// <summary>
/// The worker's small state file. It is rewritten atomically (a temporary file renamed over it) and only after
/// the batch it describes is stored, so a crash or kill -9 at any moment leaves a state that loses nothing and,
/// with the store's idempotent ids, duplicates nothing.
/// </summary>
public sealed class CheckpointStore(string path)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public Dictionary<string, FileCheckpoint> Files { get; private set; } = new(StringComparer.Ordinal);

    public string Path { get; } = path;

    public void Load()
    {
        if (!File.Exists(Path)) return;
        try
        {
            Files = JsonSerializer.Deserialize<Dictionary<string, FileCheckpoint>>(File.ReadAllText(Path), Json)
                    ?? new Dictionary<string, FileCheckpoint>(StringComparer.Ordinal);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"state file {Path} is not valid JSON ({ex.Message}); move it away to start over", ex);
        }
    }

    public FileCheckpoint For(string file)
    {
        if (!Files.TryGetValue(file, out var checkpoint)) Files[file] = checkpoint = new FileCheckpoint();
        return checkpoint;
    }

    /// <summary>Drops (and returns) the checkpoints of files that <paramref name="gone"/> says no longer exist (saved at
    /// the next <see cref="Save"/>). Should such a file come back, it is read again and its stored events skipped by id.</summary>
    public List<FileCheckpoint> Forget(Func<string, bool> gone)
    {
        var forgotten = new List<FileCheckpoint>();
        foreach (var file in Files.Keys.Where(gone).ToList())
        {
            forgotten.Add(Files[file]);
            Files.Remove(file);
        }
        return forgotten;
    }

    public void Save() => Cli.AtomicFile.Write(Path, stream => JsonSerializer.Serialize(stream, Files, Json));
}
