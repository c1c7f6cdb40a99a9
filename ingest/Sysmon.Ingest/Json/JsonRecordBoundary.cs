namespace Sysmon.Ingest.Json;

/// <summary>
/// Where the whole JSON records in a piece of a file end: after the last complete top-level object (one per line,
/// inside an array, or pretty-printed over many lines), or after a line that is not JSON. A reader of a file piece by
/// piece (the worker's tail) cuts there, so that no object is split between two pieces; cutting at the last line
/// break split pretty-printed objects, and both halves were rejected.
/// </summary>
public static class JsonRecordBoundary
{
    /// <summary>The length of the longest start of <paramref name="data"/> that holds only whole records and the
    /// separators between them (0 when it holds none).</summary>
    public static int LastRecordEnd(ReadOnlySpan<byte> data)
    {
        var at = 0;
        while (at < data.Length)
        {
            if (JsonObjectSplitter.Next(data[at..], final: false, out var skip, out var length) == JsonObjectSplitter.Outcome.NeedMore) break;
            at += skip + length;
        }
        return at;
    }
}
