namespace Sysmon.Ingest.Reading;

/// <summary>
/// Passes reads through to an input and adds the bytes read to a counter as they arrive, so that progress moves
/// while one large file is read (a 1.5 GB export used to show "read 0.0 MB" until its end). One addition per read
/// of 64 KB or so: nothing a profile shows.
/// </summary>
internal sealed class ReadCountingStream(Stream inner, Action<long> onRead) : ForwardReadStream
{
    public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Counted(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    private int Counted(int n)
    {
        if (n > 0) onRead(n);
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
