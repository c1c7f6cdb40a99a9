using System.Buffers.Binary;

namespace Sysmon.Ingest.Reading.Compressed;

/// <summary>
/// gzip-compressed input: rotated logs (logrotate, NXLog) and exports shipped compressed. Told by its magic bytes, so
/// a compressed file is read whatever its name; the name without ".gz" breaks format ties, as a plain file's does.
/// </summary>
public static class GzipInput
{
    /// <summary>True when <paramref name="head"/> starts a gzip member (magic 1f 8b, method deflate).</summary>
    public static bool IsGzip(ReadOnlySpan<byte> head) => head.Length >= 3 && head[0] == 0x1F && head[1] == 0x8B && head[2] == 8;

    /// <summary>The name of what a .gz holds ("a.json.gz" → "a.json"; "a.tgz" → "a.tar").</summary>
    public static string InnerName(string name) =>
        name.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase) ? name[..^4] + ".tar"
        : name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? name[..^3]
        : name;

    /// <summary>
    /// The size the file's last 4 bytes give (a gzip trailer holds the size of its member's data, modulo 4 GiB), or
    /// null when the file cannot be read there.
    /// </summary>
    public static uint? TrailerSize(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = RandomAccess.GetLength(handle);
            Span<byte> trailer = stackalloc byte[4];
            return length >= 18 && RandomAccess.Read(handle, trailer, length - 4) == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(trailer) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// True when a file that decompressed to <paramref name="decompressed"/> bytes cannot be whole. .NET's decompressor
    /// ends quietly where a truncated file ends, so the trailer is the check: a whole file's last member holds at most
    /// everything decompressed (exactly all of it with one member), while a truncated file's last 4 bytes are
    /// compressed data, a larger number in all but a tiny fraction of cases. Beyond 4 GiB the check cannot tell.
    /// </summary>
    public static bool LooksTruncated(uint? trailerSize, long decompressed) =>
        trailerSize is { } size && decompressed < uint.MaxValue && size > decompressed;
}
