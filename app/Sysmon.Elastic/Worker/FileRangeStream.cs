using Sysmon.Ingest.Reading;

namespace Sysmon.Elastic.Worker;

/// <summary>
/// Bytes [start, end) of a file that may still grow, read forward: what a reader is given of a settled file, so that
/// bytes appended while it reads (perhaps a record half written) wait for the next read instead of being cut.
/// </summary>
internal sealed class FileRangeStream : ForwardReadStream
{
    private readonly FileStream _file;
    private long _left;

    public FileRangeStream(string path, long start, long end)
    {
        _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1 << 16, useAsync: true);
        _file.Seek(start, SeekOrigin.Begin);
        _left = end - start;
    }

    public override int Read(Span<byte> buffer)
    {
        var n = _file.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
        _left -= n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var n = await _file.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _left)], ct).ConfigureAwait(false);
        _left -= n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _file.Dispose();
        base.Dispose(disposing);
    }
}
