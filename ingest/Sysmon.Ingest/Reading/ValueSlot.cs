using System.Buffers.Binary;

namespace Sysmon.Ingest.Reading;

/// <summary>The slot of a value's bytes in a direct-mapped value cache (<c>Utf8ValueCache</c>, <c>Utf16ValueCache</c>).</summary>
internal static class ValueSlot
{
    /// <summary>A slot below <paramref name="slots"/> (a power of two) from the length, both ends and the middle of
    /// <paramref name="bytes"/>: cheap, and enough to spread paths that share a prefix or a suffix.</summary>
    public static int Of(ReadOnlySpan<byte> bytes, int slots)
    {
        ulong a = 0, b = 0, c = 0;
        if (bytes.Length >= 8)
        {
            a = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            b = BinaryPrimitives.ReadUInt64LittleEndian(bytes[^8..]);
            c = BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice((bytes.Length - 8) / 2, 8));
        }
        else
        {
            foreach (var x in bytes) a = (a << 8) | x;
        }
        var h = (a * 0x9E3779B97F4A7C15UL) ^ (b * 0xC2B2AE3D27D4EB4FUL) ^ (c * 0x165667B19E3779F9UL) ^ (ulong)bytes.Length;
        return (int)((h ^ (h >> 29)) & (ulong)(slots - 1));
    }
}
