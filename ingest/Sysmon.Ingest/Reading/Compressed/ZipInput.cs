using System.IO.Compression;
using Sysmon.Ingest.Pipeline;

namespace Sysmon.Ingest.Reading.Compressed;

/// <summary>
/// Zip archives: what KAPE, Velociraptor and most hand-made collections deliver. The archive's directory is at its
/// end, so a zip is read from a file (not from stdin); each entry with a known extension is read as a file of its own.
/// </summary>
public static class ZipInput
{
    /// <summary>True when <paramref name="head"/> starts a zip archive (a local file header, or an empty archive).</summary>
    public static bool IsZip(ReadOnlySpan<byte> head) => head.StartsWith("PK\u0003\u0004"u8) || head.StartsWith("PK\u0005\u0006"u8);

    /// <summary>The archive's files in archive order, each with its compressed size (progress goes by file bytes).</summary>
    public static IEnumerable<ArchiveEntry> Entries(ZipArchive archive)
    {
        foreach (var entry in archive.Entries)
        {
            if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\')) continue; // a directory
            if (!InputFiles.IsKnown(entry.Name))
            {
                yield return new ArchiveEntry(entry.FullName, null, null, entry.CompressedLength, entry.Length);
                continue;
            }
            if (entry.IsEncrypted)
            {
                yield return new ArchiveEntry(entry.FullName, null,
                    "encrypted zip entry (password-protected): extract it with its password, then read the extracted file", entry.CompressedLength, entry.Length);
                continue;
            }
            Stream? data = null;
            string? problem = null;
            try
            {
                data = entry.Open();
            }
            catch (InvalidDataException ex)
            {
                problem = $"zip entry cannot be opened: {ex.Message}";
            }
            yield return data is null
                ? new ArchiveEntry(entry.FullName, null, problem, entry.CompressedLength, entry.Length)
                : new ArchiveEntry(entry.FullName, new DecompressedStream(data, "zip entry data"), null, entry.CompressedLength, entry.Length);
        }
    }
}
