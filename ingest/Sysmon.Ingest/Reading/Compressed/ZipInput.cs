using System.IO.Compression;
using Sysmon.Ingest.Pipeline;

namespace Sysmon.Ingest.Reading.Compressed;

/// <summary>
/// Zip archives: what KAPE, Velociraptor and most hand-made collections deliver. The archive's directory is at its
/// end, so a zip is read from a file: one on stdin or inside another archive is first copied to a temporary file.
/// Each entry with a known extension is read as a file of its own.
/// </summary>
public static class ZipInput
{
    /// <summary>True when <paramref name="head"/> starts a zip archive (a local file header, or an empty archive).</summary>
    public static bool IsZip(ReadOnlySpan<byte> head) => head.StartsWith("PK\u0003\u0004"u8) || head.StartsWith("PK\u0005\u0006"u8);

    /// <summary>The most a zip that is not a file of its own is copied to a temporary file for: beyond it, the input is
    /// refused rather than fill the disk (a crafted one inside a gzip could be endless zeros after its first header).</summary>
    public const long MaxSpooledBytes = 8L << 30;

    /// <summary>Copies a zip read from a stream (stdin, an archive entry) to a temporary file that is deleted when
    /// closed, and returns that file at its start. An <see cref="IOException"/> says why it could not be.</summary>
    public static async Task<FileStream> SpoolAsync(Stream zip, long maxBytes, CancellationToken ct)
    {
        var file = new FileStream(Path.Combine(Path.GetTempPath(), $"sysmon-elastic-{Guid.NewGuid():N}.zip"), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
            try
            {
                int n;
                long copied = 0;
                while ((n = await zip.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    if ((copied += n) > maxBytes)
                    {
                        throw new IOException($"zip archive of more than {maxBytes:N0} bytes inside another archive or on stdin: " +
                                              "extract it, then read the extracted files");
                    }
                    await file.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

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
