using System.Buffers.Binary;
using System.Text;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Reading;

namespace Sysmon.Ingest.Evtx;

/// <summary>
/// One 64 KiB chunk: header checks, then its event records from offset 512 up to the free-space offset (what lies
/// beyond is slack holding remnants of deleted records, never events). Records are length-chained; a damaged
/// one is skipped and the walk resynchronises on the next record signature.
/// </summary>
internal static class EvtxChunk
{
    public const int Size = 65536;
    public const int HeaderSize = 512;
    public const int RecordHeaderSize = 24;

    public static ReadOnlySpan<byte> Signature => "ElfChnk\0"u8;
    private static ReadOnlySpan<byte> RecordSignature => [0x2a, 0x2a, 0x00, 0x00];

    /// <summary>Decodes every record of the chunk. Never throws for bad data: problems become rejections.</summary>
    /// <param name="chunk">The chunk's bytes (exactly <see cref="Size"/>).</param>
    /// <param name="index">0-based chunk number in the file.</param>
    /// <param name="fileOffset">Offset of the chunk in the file.</param>
    public static List<ReadResult> Decode(byte[] chunk, int index, long fileOffset, string path, bool verifyChecksums, bool keepOriginal)
    {
        var results = new List<ReadResult>(64);
        var where = $"chunk {index} (file offset {fileOffset})";
        var span = chunk.AsSpan(0, Size);
        if (!span.StartsWith(Signature))
        {
            if (span.IndexOfAnyExcept((byte)0) >= 0)
            {
                results.Add(ReadResult.Reject(new SourcePosition(path, null, fileOffset), $"{where}: no chunk signature; chunk skipped"));
            }
            return results; // an all-zero chunk is preallocated, unused space
        }
        var headerCrc = Crc32.Append(Crc32.Compute(span[..120]), span[128..HeaderSize]);
        if (verifyChecksums && headerCrc != BinaryPrimitives.ReadUInt32LittleEndian(span[124..]))
        {
            results.Add(ReadResult.Reject(new SourcePosition(path, null, fileOffset), $"{where}: chunk header checksum mismatch; chunk skipped"));
            return results;
        }
        var freeSpace = BinaryPrimitives.ReadUInt32LittleEndian(span[48..]);
        if (freeSpace < HeaderSize || freeSpace > Size)
        {
            results.Add(ReadResult.Reject(new SourcePosition(path, null, fileOffset), $"{where}: free-space offset {freeSpace} out of range; chunk skipped"));
            return results;
        }
        var end = (int)freeSpace;
        if (verifyChecksums && Crc32.Compute(span[HeaderSize..end]) != BinaryPrimitives.ReadUInt32LittleEndian(span[52..]))
        {
            results.Add(ReadResult.Ignore(new SourcePosition(path, null, fileOffset),
                $"{where}: event records checksum mismatch; each record was checked on its own"));
        }

        var decoder = new BinXmlDecoder(chunk, Size);
        var builder = new EvtxEventBuilder();
        var pos = HeaderSize;
        while (pos + RecordHeaderSize + 4 <= end)
        {
            var recordOffset = fileOffset + pos;
            var size = BinaryPrimitives.ReadInt32LittleEndian(span[(pos + 4)..]);
            string? problem = null;
            if (!span[pos..].StartsWith(RecordSignature)) problem = "no event record signature";
            else if (size < RecordHeaderSize + 4 || pos + size > end) problem = $"record size {size} does not fit the chunk";
            else if (BinaryPrimitives.ReadInt32LittleEndian(span[(pos + size - 4)..]) != size) problem = "record size and its copy at the end differ";
            if (problem is not null)
            {
                results.Add(ReadResult.Reject(new SourcePosition(path, null, recordOffset), $"{where}, record at chunk offset {pos}: {problem}; skipped"));
                pos = Resync(span, pos + 8, end);
                continue;
            }
            var recordId = BinaryPrimitives.ReadInt64LittleEndian(span[(pos + 8)..]);
            var written = BinaryPrimitives.ReadInt64LittleEndian(span[(pos + 16)..]);
            var position = new SourcePosition(path, null, recordOffset);
            try
            {
                var e = builder.Start();
                decoder.Decode(pos + RecordHeaderSize, pos + size - 4, builder);
                if (!builder.SawEventId) throw new EvtxFormatException("record has no EventID");
                e.RecordId ??= recordId;
                if (e.TimeCreated is null && written > 0)
                {
                    e.TimeCreated = new DateTimeOffset(DateTime.FromFileTimeUtc(written), TimeSpan.Zero);
                }
                e.Position = position;
                if (keepOriginal) e.Original = EvtxXmlRenderer.Render(chunk, pos + RecordHeaderSize, pos + size - 4);
                results.Add(ReadResult.Of(e));
            }
            catch (Exception ex) when (ex is EvtxFormatException or ArgumentException or OverflowException)
            {
                results.Add(ReadResult.Reject(position, $"{where}, record {recordId} at chunk offset {pos}: {ex.Message}; skipped"));
            }
            pos += size;
        }
        return results;
    }

    // The next 8-byte aligned record signature after a damaged record (records are 8-byte aligned).
    private static int Resync(ReadOnlySpan<byte> span, int from, int end)
    {
        for (var p = (from + 7) & ~7; p + RecordHeaderSize <= end; p += 8)
        {
            if (span[p..].StartsWith(RecordSignature)) return p;
        }
        return end;
    }
}
