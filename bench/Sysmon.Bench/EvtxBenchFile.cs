using System.Buffers.Binary;
using Sysmon.Ingest.Evtx;

namespace Sysmon.Bench;

/// <summary>
/// Builds a large, valid EVTX file the honest way: one rewritten file header followed by the well-filled chunks
/// (free-space offset near 64 KiB) of the corpus' Sysmon logs, repeated to the wanted size. Chunks are
/// self-contained, so the result is a log any reader must decode completely. With <c>uniqueRecords</c>, every
/// repetition after the first renumbers its records (a multiple of a billion added to each record id, in the record
/// header and in the event's EventRecordID, checksums written again), so that a store keeps every copy.
/// </summary>
public static class EvtxBenchFile
{
    public static string Build(string corpusEvtxDir, string output, long targetBytes, bool uniqueRecords = false)
    {
        var chunks = new List<byte[]>();
        foreach (var file in Directory.EnumerateFiles(corpusEvtxDir, "*.evtx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (file.Contains("derived", StringComparison.Ordinal)) continue;
            var bytes = File.ReadAllBytes(file);
            for (var off = 4096; off + EvtxChunk.Size <= bytes.Length; off += EvtxChunk.Size)
            {
                var chunk = bytes.AsSpan(off, EvtxChunk.Size);
                if (!chunk.StartsWith("ElfChnk\0"u8)) continue;
                var free = BinaryPrimitives.ReadUInt32LittleEndian(chunk[48..]);
                if (free < 60_000) continue;
                // Keep Sysmon chunks only: the channel name appears in the chunk's strings.
                if (chunk.IndexOf("S\0y\0s\0m\0o\0n\0/\0O\0p\0e\0r\0a\0t\0i\0o\0n\0a\0l\0"u8) < 0) continue;
                chunks.Add(chunk.ToArray());
            }
        }
        if (chunks.Count == 0) throw new InvalidOperationException("no well-filled Sysmon chunks found under " + corpusEvtxDir);
        var count = (int)Math.Min(65535, targetBytes / EvtxChunk.Size);
        var header = new byte[4096];
        "ElfFile\0"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(16), (ulong)(count - 1));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(32), 128);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(36), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(38), 3);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(40), 4096);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(42), (ushort)count);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(124), Crc32.Compute(header.AsSpan(0, 120)));
        using var stream = File.Create(output);
        stream.Write(header);
        var copy = new byte[EvtxChunk.Size];
        for (var i = 0; i < count; i++)
        {
            var round = i / chunks.Count;
            if (!uniqueRecords || round == 0)
            {
                stream.Write(chunks[i % chunks.Count]);
                continue;
            }
            chunks[i % chunks.Count].CopyTo(copy, 0);
            Renumber(copy, round * 1_000_000_000L);
            stream.Write(copy);
        }
        Console.WriteLine($"built {output}: {count} chunks from {chunks.Count} distinct well-filled Sysmon chunks" +
            (uniqueRecords ? ", records renumbered in each repetition" : "") + $", {stream.Length / 1e6:F1} MB");
        return output;
    }

    // Adds `by` to every record id of a chunk: the record header's and the EventRecordID value of the record's
    // template instance (the two may differ in an exported log), then the chunk header's first/last record ids and
    // both checksums.
    private static void Renumber(byte[] chunk, long by)
    {
        var span = chunk.AsSpan();
        var free = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[48..]);
        for (var pos = 512; pos + 28 <= free;)
        {
            if (!span[pos..].StartsWith("**\0\0"u8)) break;
            var size = BinaryPrimitives.ReadInt32LittleEndian(span[(pos + 4)..]);
            if (size < 28 || pos + size > free) break;
            var id = BinaryPrimitives.ReadInt64LittleEndian(span[(pos + 8)..]);
            BinaryPrimitives.WriteInt64LittleEndian(span[(pos + 8)..], id + by);
            if (RecordIdSubstitution(span, pos + 24, pos + size - 4) is { } at)
            {
                BinaryPrimitives.WriteInt64LittleEndian(span[at..], BinaryPrimitives.ReadInt64LittleEndian(span[at..]) + by);
            }
            pos += size;
        }
        for (var field = 8; field <= 32; field += 8)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[field..], BinaryPrimitives.ReadInt64LittleEndian(span[field..]) + by);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span[52..], Crc32.Compute(span[512..free]));
        BinaryPrimitives.WriteUInt32LittleEndian(span[124..], Crc32.Append(Crc32.Compute(span[..120]), span[128..512]));
    }

    // The chunk offset of the first UInt64 substitution value (the System part's EventRecordID: Keywords and
    // TimeCreated have types of their own) in the template instance that a record's BinXml starts with (fragment
    // header, template instance token, an inline definition or not, the value descriptors, the values); null when
    // the record is not laid out so.
    private static int? RecordIdSubstitution(ReadOnlySpan<byte> chunk, int start, int end)
    {
        var p = start + 4; // fragment header
        if (p + 10 > end || chunk[p] != 0x0C) return null;
        var definition = (int)BinaryPrimitives.ReadUInt32LittleEndian(chunk[(p + 6)..]);
        p += 10;
        if (definition == p) p += 24 + (int)BinaryPrimitives.ReadUInt32LittleEndian(chunk[(p + 20)..]); // inline definition
        if (p + 4 > end) return null;
        var count = (int)BinaryPrimitives.ReadUInt32LittleEndian(chunk[p..]);
        p += 4;
        var value = p + 4 * count;
        for (var i = 0; i < count && value <= end; i++)
        {
            var valueSize = BinaryPrimitives.ReadUInt16LittleEndian(chunk[(p + 4 * i)..]);
            if (chunk[p + 4 * i + 2] == 0x0A && valueSize == 8 && value + 8 <= end) return value;
            value += valueSize;
        }
        return null;
    }
}
