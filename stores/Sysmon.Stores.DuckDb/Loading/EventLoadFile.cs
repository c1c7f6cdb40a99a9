using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Output;
using Sysmon.Queries;
using Sysmon.Stores.DuckDb.Schema;

namespace Sysmon.Stores.DuckDb.Loading;

/// <summary>
/// Documents waiting to be loaded, as a newline-delimited JSON file that DuckDB's JSON reader turns into rows in
/// native code on all its threads. Each line holds the row's typed column values under short keys ("c0", "c1",
/// ... by column position), its ordinal "n" (to name a line DuckDB could not read), and in "doc" the document
/// without the fields that already have a column. Writing this costs about what writing NDJSON costs; the
/// appender it replaces spent several times that building .NET strings that crossed into DuckDB one by one.
/// </summary>
internal enum LineResult
{
    Added,
    Duplicate,
    NoId,
    NoTimestamp,
}

internal sealed class EventLoadFile : IDisposable
{
    private static readonly JsonEncodedText Ordinal = JsonEncodedText.Encode("n");
    private static readonly JsonEncodedText[] Keys =
        EventColumns.All.Select((_, i) => JsonEncodedText.Encode("c" + i.ToString(CultureInfo.InvariantCulture))).ToArray();

    private static readonly int HostIdColumn = EventColumns.StoredFields["host.id"];
    private static readonly int HostNameColumn = EventColumns.StoredFields["host.name"];

    // For each IP-number column, the text column of the address it is computed from.
    private static readonly int[] IpSourceColumn = EventColumns.All
        .Select(c => c.Kind == ColumnKind.IpNumber ? EventColumns.StoredFields[c.Field] : -1).ToArray();

    // The columns of ip-typed fields: written as Elasticsearch shows an ip (below).
    private static readonly bool[] IsIpText = EventColumns.All.Select(c => c.Field is "source.ip" or "destination.ip" or "related.ip").ToArray();

    private readonly int[] _fieldOfColumn = new int[EventColumns.All.Count];
    private bool[] _inColumn = new bool[128];

    // Lines are gathered in the buffers' output and written to the file in pieces of this size. (A Utf8JsonWriter
    // over the stream itself clears its whole buffer at every flush: 5% of ingest's managed CPU in a profile.)
    private const int WriteSize = 256 * 1024;

    private readonly FileStream _stream;
    private readonly LoadFileBuffers _buffers;
    private readonly Action<LoadFileBuffers>? _release;
    private readonly ArrayBufferWriter<byte> _output;
    private readonly Utf8JsonWriter _writer;
    private readonly HashSet<string> _ids;
    private readonly List<string> _lineIds;

    /// <summary>A new load file at <paramref name="path"/>, using <paramref name="buffers"/> (cleared) and handing
    /// them to <paramref name="release"/> when disposed.</summary>
    public EventLoadFile(string path, LoadFileBuffers? buffers = null, Action<LoadFileBuffers>? release = null)
    {
        Path = path;
        _buffers = buffers ?? new LoadFileBuffers();
        _buffers.Clear();
        _release = release;
        (_ids, _lineIds, _output) = (_buffers.Ids, _buffers.LineIds, _buffers.Output);
        // Unbuffered: the lines arrive in pieces of WriteSize (a FileStream buffer would be 1 MB of garbage per load).
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
        _writer = new Utf8JsonWriter(_output, EcsJsonWriter.WriterOptions);
    }

    public string Path { get; }

    public int Count => _ids.Count;

    /// <summary>The ids of the lines, in line order.</summary>
    public IReadOnlyList<string> Ids => _lineIds;

    /// <summary>The earliest and latest <c>@timestamp</c> of the lines (a record's time comes from the record, so
    /// another copy of it already stored has the same); null when some line's time is the collector's, which
    /// another export of the same record need not share.</summary>
    public (DateTime From, DateTime To)? TimeRange => _collectorTimes || _lineIds.Count == 0 ? null : (_from, _to);

    private DateTime _from = DateTime.MaxValue;
    private DateTime _to = DateTime.MinValue;
    private bool _collectorTimes;

    private void NoteTime(EcsDocument doc, DateTime timestamp)
    {
        if (timestamp < _from) _from = timestamp;
        if (timestamp > _to) _to = timestamp;
        if (doc.TryGet("tags", out var tags) && tags.Kind == EcsValueKind.Strings && tags.AsStrings.Contains(EcsMapper.CollectorTimeTag))
        {
            _collectorTimes = true;
        }
    }

    /// <summary>Adds a document, unless its id is already in this file (the same record twice in one load) or it
    /// lacks what every row needs (an id and a valid @timestamp).</summary>
    public LineResult Add(EcsDocument doc)
    {
        var id = doc.Id ?? doc.GetString("event.id");
        if (id is null) return LineResult.NoId;
        if (!doc.TryGet("@timestamp", out var time) || time.Kind != EcsValueKind.String || !LoadTime.TryParse(time.AsString, out var timestamp))
        {
            return LineResult.NoTimestamp;
        }
        if (!_ids.Add(id)) return LineResult.Duplicate;
        _lineIds.Add(id);
        NoteTime(doc, timestamp);
        FindColumns(doc);
        _writer.WriteStartObject();
        _writer.WriteNumber(Ordinal, _ids.Count - 1);
        var columns = EventColumns.All;
        for (var i = 0; i < columns.Count; i++) WriteColumn(doc, id, timestamp, i);
        _writer.WriteEndObject();
        _writer.Flush();
        _output.GetSpan(1)[0] = (byte)'\n';
        _output.Advance(1);
        if (_output.WrittenCount >= WriteSize) WriteOutput();
        _writer.Reset(_output);
        return LineResult.Added;
    }

    /// <summary>
    /// The lines whose ordinal is not in <paramref name="readable"/>, each as a document holding what identifies it
    /// (id, event code, host, file and offset), for the dead-letter file. Only used when a load fails, so it simply
    /// reads the file again.
    /// </summary>
    public List<EcsDocument> LinesOtherThan(IReadOnlySet<long> readable)
    {
        var refused = new List<EcsDocument>();
        long ordinal = -1;
        foreach (var line in File.ReadLines(Path))
        {
            ordinal++;
            if (readable.Contains(ordinal)) continue;
            refused.Add(Identity(line, _lineIds[(int)ordinal]));
        }
        return refused;
    }

    /// <summary>Writes what is buffered, so DuckDB reads every line.</summary>
    public void Complete() => WriteOutput(flush: true);

    private void WriteOutput(bool flush = false)
    {
        try
        {
            _stream.Write(_output.WrittenSpan);
            if (flush) _stream.Flush();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // .NET reports EFBIG (a file beyond the file system's or the process' file-size limit) as an argument
            // error; it is an I/O failure of this file like a full disk.
            throw new IOException($"could not write the load file {Path}: it would exceed the largest file the file system or the process' limit (ulimit -f) allows", ex);
        }
        _output.ResetWrittenCount();
    }

    // One pass over the document's fields (sorted, so that the same indexes serve "doc" below): which field fills
    // which column, and which fields "doc" leaves out. Asking the document for each of the 47 columns instead
    // scanned its field list 47 times.
    private void FindColumns(EcsDocument doc)
    {
        doc.SortFields();
        var fields = doc.Fields;
        Array.Fill(_fieldOfColumn, -1);
        if (_inColumn.Length < fields.Count) _inColumn = new bool[Math.Max(fields.Count, _inColumn.Length * 2)];
        for (var f = 0; f < fields.Count; f++)
        {
            var c = EventColumns.ColumnOf(fields[f].Key);
            _inColumn[f] = c >= 0 || c == EventColumns.Derived;
            if (c >= 0) _fieldOfColumn[c] = f;
        }
        // host.id is stored only when it is not the computer name, which the views give in its place.
        if (_fieldOfColumn[HostIdColumn] is var id and >= 0 && _fieldOfColumn[HostNameColumn] is var name and >= 0 &&
            fields[id].Value is { Kind: EcsValueKind.String } hostId && fields[name].Value is { Kind: EcsValueKind.String } hostName &&
            string.Equals(hostId.AsString, hostName.AsString, StringComparison.Ordinal))
        {
            _fieldOfColumn[HostIdColumn] = -1;
        }
    }

    private void WriteColumn(EcsDocument doc, string id, DateTime timestamp, int c)
    {
        var column = EventColumns.All[c];
        var key = Keys[c];
        switch (column.Kind)
        {
            case ColumnKind.Id:
                _writer.WriteString(key, id);
                return;
            case ColumnKind.Time when column.Field == "@timestamp":
                WriteTime(key, timestamp); // already read by Add
                return;
            case ColumnKind.Document:
                _writer.WritePropertyName(key);
                EcsJsonWriter.Write(_writer, doc, _inColumn.AsSpan(0, doc.Count));
                return;
            case ColumnKind.IpNumber:
                var ipField = _fieldOfColumn[IpSourceColumn[c]];
                if (ipField >= 0 && doc.Fields[ipField].Value is { Kind: EcsValueKind.String } ip &&
                    IpNumbers.TryGetNumber(ip.AsString, out var number))
                {
                    WriteNumberText(key, number);
                }
                return;
        }
        var f = _fieldOfColumn[c];
        if (f < 0) return;
        var value = doc.Fields[f].Value;
        switch (column.Kind)
        {
            case ColumnKind.Text:
                var text = value.Kind == EcsValueKind.String ? value.AsString : value.ToString();
                _writer.WriteString(key, IsIpText[c] ? IpText.Canonical(text) : text);
                break;
            case ColumnKind.Long:
                if (value.Kind == EcsValueKind.Long) _writer.WriteNumber(key, value.AsLong);
                break;
            case ColumnKind.Bool:
                if (value.Kind == EcsValueKind.Bool) _writer.WriteBoolean(key, value.AsBool);
                break;
            case ColumnKind.List:
                _writer.WriteStartArray(key);
                if (value.Kind == EcsValueKind.Strings)
                {
                    foreach (var s in value.AsStrings) _writer.WriteStringValue(IsIpText[c] && s is not null ? IpText.Canonical(s) : s);
                }
                else
                {
                    _writer.WriteStringValue(value.ToString());
                }
                _writer.WriteEndArray();
                break;
            case ColumnKind.Time:
                if (value.Kind == EcsValueKind.String && LoadTime.TryParse(value.AsString, out var time)) WriteTime(key, time);
                break;
            case ColumnKind.Json:
                _writer.WritePropertyName(key);
                EcsJsonWriter.WriteValue(_writer, value);
                break;
        }
    }

    // DuckDB's own TIMESTAMP text: UTC, microseconds, no offset to interpret.
    private void WriteTime(JsonEncodedText key, DateTime utc)
    {
        Span<byte> text = stackalloc byte[LoadTime.MaxLength];
        _writer.WriteString(key, text[..LoadTime.Format(utc, text)]);
    }

    // UHUGEINT as decimal text: JSON numbers beyond 64 bits are not read exactly by every parser.
    private void WriteNumberText(JsonEncodedText key, UInt128 value)
    {
        Span<char> text = stackalloc char[40];
        value.TryFormat(text, out var n, default, CultureInfo.InvariantCulture);
        _writer.WriteString(key, text[..n]);
    }

    private static EcsDocument Identity(string line, string id)
    {
        var doc = new EcsDocument { Id = id };
        doc.Set("event.id", id);
        try
        {
            using var json = JsonDocument.Parse(line);
            var columns = EventColumns.All;
            for (var i = 0; i < columns.Count; i++)
            {
                var column = columns[i];
                if (column.Kind is not (ColumnKind.Text or ColumnKind.Long)) continue;
                if (!json.RootElement.TryGetProperty(Keys[i].EncodedUtf8Bytes, out var v)) continue;
                if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var l)) doc.Set(column.Field, l);
                else if (v.ValueKind == JsonValueKind.String) doc.Set(column.Field, v.GetString()!);
            }
        }
        catch (JsonException)
        {
            // Not even JSON (a cut line): its id is known all the same, and the line goes to the dead letters.
        }
        return doc;
    }

    public void Dispose()
    {
        _writer.Dispose();
        _stream.Dispose();
        _release?.Invoke(_buffers);
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // A leftover load file is harmless: the next load of this store replaces it.
        }
    }
}
