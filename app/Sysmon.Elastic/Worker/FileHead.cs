using System.Security.Cryptography;
using Sysmon.Ingest.Reading;

namespace Sysmon.Elastic.Worker;

/// <summary>
/// The first bytes of a tailed file, read once per scan that finds it grown: what its format is
/// (<see cref="TailedFormat"/>), and a hash of its first kilobyte, which tells a file replaced under the same name
/// (rotation by rename and create, or copytruncate) from one that grew. Size alone missed a replacement that had grown
/// past the old checkpoint before the next scan: the new file was read from the old offset and its first records were lost.
/// </summary>
internal sealed class FileHead
{
    /// <summary>Bytes hashed at most: enough to hold the first record of any Sysmon input.</summary>
    public const int HashedBytes = 1024;

    private readonly byte[] _bytes;

    private FileHead(byte[] bytes) => _bytes = bytes;

    /// <summary>The file's first bytes, as many as the format sniffer looks at.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    public static FileHead Read(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[(int)Math.Min(FormatSniffer.SniffBytes, stream.Length)];
        return new FileHead(bytes[..stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false)]);
    }

    /// <summary>The hash of the first <paramref name="length"/> bytes (at most <see cref="HashedBytes"/>); null when
    /// the file held fewer.</summary>
    public string? Hash(int length) =>
        _bytes.Length < length ? null : Convert.ToHexString(SHA256.HashData(_bytes.AsSpan(0, length))[..16]);
}
