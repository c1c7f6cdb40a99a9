namespace Sysmon.Ingest.Reading.Compressed;

/// <summary>
/// Compressed or archived data that .NET cannot unpack (bzip2, xz, zstd, 7-Zip, RAR), told by its magic bytes so that
/// the dead letter says what the file is and how to get at its content: read as text, such a file was rejected as
/// "lines outside any Sysmon event", which sends a responder looking for the wrong problem.
/// </summary>
public static class UnsupportedCompression
{
    private static readonly (byte[] Magic, string Name, string Tool)[] Known =
    [
        ("BZh"u8.ToArray(), "bzip2", "bunzip2 -k FILE"),
        ([0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00], "xz", "unxz -k FILE"),
        ([0x28, 0xB5, 0x2F, 0xFD], "zstd", "unzstd FILE"),
        ([(byte)'7', (byte)'z', 0xBC, 0xAF, 0x27, 0x1C], "7-Zip", "7z x FILE"),
        ("Rar!\u001A\u0007"u8.ToArray(), "RAR", "unrar x FILE"),
    ];

    /// <summary>Why data starting with <paramref name="head"/> is not read, or null when it is not one of these.</summary>
    public static string? Reason(ReadOnlySpan<byte> head)
    {
        foreach (var (magic, name, tool) in Known)
        {
            // bzip2's magic is text ("BZh"): its block size digit and block magic must follow.
            if (!head.StartsWith(magic)) continue;
            if (name == "bzip2" && !(head.Length >= 10 && head[3] is >= (byte)'1' and <= (byte)'9' && head[4..10].SequenceEqual((ReadOnlySpan<byte>)[0x31, 0x41, 0x59, 0x26, 0x53, 0x59])))
            {
                continue;
            }
            return $"{name}-compressed data, which this build does not unpack: unpack it first ({tool}), then read what it holds " +
                   "(gzip, zip and tar are read directly)";
        }
        return null;
    }
}
