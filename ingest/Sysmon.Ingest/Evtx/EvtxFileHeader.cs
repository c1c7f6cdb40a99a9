using System.Buffers.Binary;

namespace Sysmon.Ingest.Evtx;

/// <summary>The 4096-byte EVTX file header (libevtx: "File header").</summary>
public sealed record EvtxFileHeader(
    ulong FirstChunkNumber, ulong LastChunkNumber, ulong NextRecordId, ushort MinorVersion, ushort MajorVersion,
    ushort HeaderBlockSize, ushort ChunkCount, uint Flags, bool ChecksumValid)
{
    public const int Size = 4096;
    public const uint DirtyFlag = 0x1;
    public const uint FullFlag = 0x2;
    /// <summary>Seen on files whose chunk checksums are not maintained (the sample "Application_no_crc32").</summary>
    public const uint NoCrc32Flag = 0x4;

    public static ReadOnlySpan<byte> Signature => "ElfFile\0"u8;

    public bool IsDirty => (Flags & DirtyFlag) != 0;
    public bool ChunkChecksumsMaintained => (Flags & NoCrc32Flag) == 0;

    public static EvtxFileHeader Parse(ReadOnlySpan<byte> b)
    {
        if (b.Length < 128 || !b.StartsWith(Signature)) throw new EvtxFormatException("not an EVTX file: no 'ElfFile' signature");
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(b[124..]);
        return new EvtxFileHeader(
            BinaryPrimitives.ReadUInt64LittleEndian(b[8..]), BinaryPrimitives.ReadUInt64LittleEndian(b[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(b[24..]), BinaryPrimitives.ReadUInt16LittleEndian(b[36..]),
            BinaryPrimitives.ReadUInt16LittleEndian(b[38..]), BinaryPrimitives.ReadUInt16LittleEndian(b[40..]),
            BinaryPrimitives.ReadUInt16LittleEndian(b[42..]), BinaryPrimitives.ReadUInt32LittleEndian(b[120..]),
            Crc32.Compute(b[..120]) == stored);
    }
}
