using System.Text.Json;
using Sysmon.Ingest.Output;
using Sysmon.Ingest.Reading;

namespace Sysmon.Ingest.DeadLetter;

/// <summary>
/// The dead-letter file: one JSON object per rejected record with its file, line, offset, reason and text, so
/// nothing bad disappears silently. Created on the first rejection only.
/// </summary>
public sealed class DeadLetterWriter(string path) : IDisposable
{
    private readonly Lock _lock = new();
    private FileStream? _stream;
    private Utf8JsonWriter? _writer;

    public string Path { get; } = path;
    public long Count { get; private set; }

    public void Write(RejectedRecord record)
    {
        lock (_lock)
        {
            if (_stream is null)
            {
                var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
                if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
                _stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
                _writer = new Utf8JsonWriter(_stream, EcsJsonWriter.WriterOptions);
            }
            var w = _writer!;
            w.WriteStartObject();
            w.WriteString("time", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("file", record.Position.Path);
            if (record.Position.Line is { } line) w.WriteNumber("line", line);
            if (record.Position.Offset is { } offset) w.WriteNumber("offset", offset);
            w.WriteString("reason", record.Reason);
            if (record.Excerpt is not null) w.WriteString("record", record.Excerpt);
            w.WriteEndObject();
            w.Flush();
            _stream.WriteByte((byte)'\n');
            w.Reset();
            Count++;
        }
    }

    public void Flush()
    {
        lock (_lock) _stream?.Flush();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _writer?.Dispose();
            _stream?.Dispose();
            _stream = null;
        }
    }
}
