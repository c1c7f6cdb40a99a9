using System.Buffers;

namespace Sysmon.Ingest.Reading;

/// <summary>
/// A sliding window over a byte stream in one pooled buffer: readers look at <see cref="Window"/>, consume what
/// they have handled, and ask for more. Tracks the absolute offset and line number of the window's start.
/// </summary>
internal sealed class ByteScanner : IDisposable
{
    private readonly Stream _stream;
    private readonly int _maxWindow;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;

    public ByteScanner(Stream stream, int maxWindow, int initialSize = 64 * 1024)
    {
        _stream = stream;
        _maxWindow = Math.Max(maxWindow, initialSize);
        _buffer = ArrayPool<byte>.Shared.Rent(initialSize);
    }

    public ReadOnlySpan<byte> Window => _buffer.AsSpan(_start, _end - _start);
    public ReadOnlyMemory<byte> WindowMemory => _buffer.AsMemory(_start, _end - _start);

    /// <summary>Absolute byte offset of the window's first byte.</summary>
    public long Offset { get; private set; }

    /// <summary>1-based line number of the window's first byte.</summary>
    public long Line { get; private set; } = 1;

    public bool EndOfStream => _eof && _start == _end;
    public bool Exhausted => _eof;

    /// <summary>True when the window reached its size cap and cannot grow further.</summary>
    public bool Full => _end - _start >= _maxWindow;

    public void Consume(int count)
    {
        var span = _buffer.AsSpan(_start, count);
        Line += span.Count((byte)'\n');
        Offset += count;
        _start += count;
    }

    /// <summary>Reads more bytes at the end of the window (keeping it). False when the stream is done or the cap is hit.</summary>
    public async ValueTask<bool> FillAsync(CancellationToken ct)
    {
        if (_eof) return false;
        var length = _end - _start;
        if (length >= _maxWindow) return false;
        if (_start > 0 && (_end == _buffer.Length || _start > _buffer.Length / 2))
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, length);
            _start = 0;
            _end = length;
        }
        if (_end == _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, _maxWindow + 1));
            Buffer.BlockCopy(_buffer, _start, bigger, 0, length);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
            _start = 0;
            _end = length;
        }
        var read = await _stream.ReadAsync(_buffer.AsMemory(_end, Math.Min(_buffer.Length - _end, _maxWindow - length)), ct)
            .ConfigureAwait(false);
        if (read == 0)
        {
            _eof = true;
            return false;
        }
        _end += read;
        return true;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
