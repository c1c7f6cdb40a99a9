using System.Security.Cryptography;

namespace Sysmon.Elastic.Worker;

/// <summary>
/// The first bytes of a tailed file, hashed: how the worker tells a file replaced under the same name (rotation by
/// rename and create, or copytruncate) from one that grew. Size alone missed a replacement that had grown past the
/// old checkpoint before the next scan: the new file was read from the old offset and its first records were lost.
/// </summary>
internal static class FileHead
{
    /// <summary>Bytes hashed at most: enough to hold the first record of any Sysmon input.</summary>
    public const int MaxBytes = 1024;

    /// <summary>The hash of the file's first <paramref name="length"/> bytes; null when it holds fewer now.</summary>
    public static string? Hash(string file, int length)
    {
        Span<byte> head = stackalloc byte[MaxBytes];
        head = head[..length];
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            if (stream.ReadAtLeast(head, length, throwOnEndOfStream: false) < length) return null;
        }
        return Convert.ToHexString(SHA256.HashData(head)[..16]);
    }
}
