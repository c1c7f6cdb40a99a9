using System.Buffers;
using System.Text.Json;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Pipeline;

namespace Sysmon.Ingest.Output;

/// <summary>ECS documents as NDJSON (one nested object per line) to a stream: the <c>convert</c> output.</summary>
public sealed class NdjsonSink : IEventSink
{
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    // Documents are serialised into one reused buffer and written to the stream once per batch.
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 20);
    private readonly Utf8JsonWriter _writer;

    /// <summary>Documents written so far (each a whole line).</summary>
    public long Written { get; private set; }

    public NdjsonSink(Stream stream, bool ownsStream)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        _writer = new Utf8JsonWriter(_buffer, EcsJsonWriter.WriterOptions);
    }

    public async ValueTask<SinkResult> WriteAsync(IReadOnlyList<EcsDocument> batch, CancellationToken cancellationToken)
    {
        foreach (var doc in batch)
        {
            EcsJsonWriter.Write(_writer, doc);
            _writer.Flush();
            _writer.Reset();
            _buffer.GetSpan(1)[0] = (byte)'\n';
            _buffer.Advance(1);
        }
        // Not cancellable: a batch goes out whole, so that output cut short by a stop ends with a whole line.
        await _stream.WriteAsync(_buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
        _buffer.ResetWrittenCount();
        Written += batch.Count;
        return SinkResult.AllStored(batch.Count);
    }

    public async ValueTask<SinkResult> FlushAsync(CancellationToken cancellationToken)
    {
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        return default;
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        await _stream.FlushAsync().ConfigureAwait(false);
        if (_ownsStream) await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
