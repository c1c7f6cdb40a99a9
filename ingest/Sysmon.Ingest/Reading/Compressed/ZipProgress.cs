namespace Sysmon.Ingest.Reading.Compressed;

/// <summary>
/// How far into a zip file its reading is, in the file's bytes, as progress counts a plain file's: each entry's
/// compressed size is covered in step with its decompressed bytes, so a collection holding one large event log moves
/// while that log is read (counting an entry whole at its start showed 100% from the first second).
/// </summary>
internal sealed class ZipProgress(Action<long> addBytesRead, long alreadyCounted)
{
    private long _counted = alreadyCounted;
    private long _before;

    /// <summary><paramref name="decompressed"/> bytes of <paramref name="entry"/> have been read.</summary>
    public void Within(ArchiveEntry entry, long decompressed) =>
        Cover(_before + (entry.Length > 0 ? (long)((double)entry.CompressedLength * Math.Min(decompressed, entry.Length) / entry.Length) : 0));

    /// <summary><paramref name="entry"/> is done (read, skipped or refused).</summary>
    public void Done(ArchiveEntry entry)
    {
        _before += entry.CompressedLength;
        Cover(_before);
    }

    /// <summary>The whole file is done: its headers and directory count too.</summary>
    public void Finish(long fileLength) => Cover(fileLength);

    private void Cover(long upTo)
    {
        if (upTo <= _counted) return;
        addBytesRead(upTo - _counted);
        _counted = upTo;
    }
}
