using System.Buffers;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Reading;

namespace Sysmon.Ingest.Evtx;

/// <summary>
/// Windows event log files (.evtx), read natively: the file header, then every 64 KiB chunk that carries a chunk
/// signature (dirty files and stale headers are read completely). Chunks are self-contained, so they are
/// decoded in parallel on all cores while records come out in file order; memory stays bounded by the number of
/// chunks in flight whatever the file size.
/// </summary>
public sealed class EvtxEventReader(int? parallelism = null) : IEventReader
{
    private readonly int _parallelism = Math.Max(1, parallelism ?? Environment.ProcessorCount);

    public InputFormat Format => InputFormat.Evtx;

    public async IAsyncEnumerable<ReadResult> ReadAsync(Stream stream, string path, ReaderOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var head = new byte[EvtxFileHeader.Size];
        var headLength = await ReadFullyAsync(stream, head, cancellationToken).ConfigureAwait(false);
        EvtxFileHeader? header = null;
        string? headerProblem = null;
        try
        {
            header = EvtxFileHeader.Parse(head.AsSpan(0, headLength));
        }
        catch (EvtxFormatException ex)
        {
            headerProblem = ex.Message;
        }
        if (header is null)
        {
            yield return ReadResult.Reject(new SourcePosition(path, null, 0), headerProblem!);
            yield break;
        }
        if (headLength < EvtxFileHeader.Size)
        {
            yield return ReadResult.Reject(new SourcePosition(path, null, 0), $"file ends inside its header ({headLength} bytes)");
            yield break;
        }
        if (!header.ChecksumValid) yield return ReadResult.Ignore(new SourcePosition(path, null, 0), "file header checksum mismatch; chunks read anyway");
        if (header.MajorVersion != 3)
        {
            yield return ReadResult.Ignore(new SourcePosition(path, null, 0), $"EVTX format version {header.MajorVersion}.{header.MinorVersion} is not 3.x; read as 3.1");
        }
        // The header block may be larger than 4096 bytes: skip to the first chunk.
        for (var skip = header.HeaderBlockSize - EvtxFileHeader.Size; skip > 0;)
        {
            var n = await ReadFullyAsync(stream, head.AsMemory(0, Math.Min(skip, head.Length)), cancellationToken).ConfigureAwait(false);
            if (n == 0) yield break;
            skip -= n;
        }

        var verify = header.ChunkChecksumsMaintained;
        var inFlight = Channel.CreateBounded<Task<List<ReadResult>>>(new BoundedChannelOptions(_parallelism * 2)
        {
            SingleReader = true,
            SingleWriter = true,
        });
        var producer = ProduceAsync(stream, path, header, verify, options.KeepOriginal, inFlight.Writer, cancellationToken);
        await foreach (var task in inFlight.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var result in await task.ConfigureAwait(false)) yield return result;
        }
        foreach (var result in await producer.ConfigureAwait(false)) yield return result;
    }

    // Reads chunks in order and starts their decoding; returns the notes about the file as a whole.
    private async Task<List<ReadResult>> ProduceAsync(Stream stream, string path, EvtxFileHeader header, bool verify, bool keepOriginal,
        ChannelWriter<Task<List<ReadResult>>> writer, CancellationToken ct)
    {
        var notes = new List<ReadResult>();
        try
        {
            var index = 0;
            long offset = header.HeaderBlockSize;
            var withSignature = 0;
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(EvtxChunk.Size);
                var n = await ReadFullyAsync(stream, buffer.AsMemory(0, EvtxChunk.Size), ct).ConfigureAwait(false);
                if (n == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }
                if (n < EvtxChunk.Size)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    if (buffer.AsSpan(0, n).IndexOfAnyExcept((byte)0) >= 0)
                    {
                        notes.Add(ReadResult.Reject(new SourcePosition(path, null, offset),
                            $"file cut inside chunk {index} ({n} of {EvtxChunk.Size} bytes present); the records of that chunk cannot be verified and were skipped"));
                    }
                    break;
                }
                if (buffer.AsSpan().StartsWith(EvtxChunk.Signature)) withSignature++;
                var chunkIndex = index;
                var chunkOffset = offset;
                var task = Task.Run(() =>
                {
                    try
                    {
                        return EvtxChunk.Decode(buffer, chunkIndex, chunkOffset, path, verify, keepOriginal);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }, ct);
                await writer.WriteAsync(task, ct).ConfigureAwait(false);
                index++;
                offset += EvtxChunk.Size;
            }
            if (withSignature != header.ChunkCount && header.ChunkCount != 0)
            {
                notes.Add(ReadResult.Ignore(new SourcePosition(path, null, 0),
                    $"file header says {header.ChunkCount} chunk(s), {withSignature} found{(header.IsDirty ? " (file marked dirty: not cleanly closed)" : "")}; all were read"));
            }
        }
        finally
        {
            writer.TryComplete();
        }
        return notes;
    }

    private static async ValueTask<int> ReadFullyAsync(Stream stream, Memory<byte> buffer, CancellationToken ct)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer[total..], ct).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
