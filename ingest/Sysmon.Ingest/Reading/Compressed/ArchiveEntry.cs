namespace Sysmon.Ingest.Reading.Compressed;

/// <summary>
/// One file in a zip or tar archive, as <see cref="EventSource"/> meets it: <see cref="Data"/> to read, or a
/// <see cref="Problem"/> that makes it a dead letter, or neither: skipped for its extension, as a directory walk skips
/// such files (a KAPE or UAC collection holds registry hives and prefetch files beside the event logs).
/// <see cref="CompressedLength"/> and <see cref="Length"/> (decompressed) give a zip entry's share of the archive file
/// (a tar's bytes are counted as they are read).
/// </summary>
public sealed record ArchiveEntry(string Name, Stream? Data, string? Problem, long CompressedLength = 0, long Length = 0)
{
    public bool Skipped => Data is null && Problem is null;
}
