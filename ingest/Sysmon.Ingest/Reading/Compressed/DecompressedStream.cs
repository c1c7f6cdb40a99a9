using System.IO.Compression;

namespace Sysmon.Ingest.Reading.Compressed;

/// <summary>
/// The decompressed side of a .gz file or an archive entry: counts the bytes it gives (the offsets that events and
/// dead letters carry are offsets in these bytes) and turns the decompressor's errors into a
/// <see cref="CorruptInputException"/> that says where. (.NET's message for damaged deflate data, "compressed using
/// an unsupported compression method", would send a responder looking for the wrong problem.)
/// </summary>
internal sealed class DecompressedStream(Stream decompressor, string what) : ForwardReadStream
{
    /// <summary>Decompressed bytes read so far.</summary>
    public long Decompressed { get; private set; }

    /// <summary>Told the decompressed bytes read so far after each read (progress through an archive).</summary>
    public Action<long>? OnRead { get; set; }

    /// <summary>True once the data was found damaged (the reading ended there, reported).</summary>
    public bool Damaged { get; private set; }

    /// <summary>A gzip file (all its members, in order) read from <paramref name="compressed"/>.</summary>
    public static DecompressedStream Gzip(Stream compressed) =>
        new(new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: false), "gzip data");

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return Counted(decompressor.Read(buffer));
        }
        catch (InvalidDataException ex)
        {
            throw Corrupt(ex);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return Counted(await decompressor.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
        }
        catch (InvalidDataException ex)
        {
            throw Corrupt(ex);
        }
    }

    private int Counted(int n)
    {
        Decompressed += n;
        OnRead?.Invoke(Decompressed);
        return n;
    }

    private CorruptInputException Corrupt(InvalidDataException ex)
    {
        Damaged = true;
        return new($"{what} is damaged: it cannot be decompressed past byte {Decompressed:N0}; the events before that were read", Decompressed, ex);
    }

    /// <summary>Reads (and drops) what is left, so that <see cref="Decompressed"/> is the whole size: a tar reader stops
    /// at the archive's end marker, before the padding. False when the rest turned out damaged.</summary>
    public async ValueTask<bool> DrainAsync(CancellationToken ct)
    {
        if (Damaged) return false;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (await ReadAsync(buffer, ct).ConfigureAwait(false) > 0) { }
            return true;
        }
        catch (CorruptInputException)
        {
            return false;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) decompressor.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await decompressor.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
