namespace Sysmon.Ingest.Text;

/// <summary>
/// Where the whole records in a piece of rendered text end, for a reader of a file piece by piece (the worker's tail).
/// Messages end at a blank line. A wevtutil export's records start at their <c>Event[N]:</c> lines, and the message of
/// another log (a Security event's description) holds blank lines of its own, so there the cut is before the last
/// record's first line instead.
/// </summary>
public static class TextRecordBoundary
{
    /// <summary>The length of the longest start of <paramref name="data"/> (UTF-8) that holds only whole records
    /// (0 when it holds none).</summary>
    public static int LastRecordEnd(ReadOnlySpan<byte> data)
    {
        var record = data.LastIndexOf("\nEvent["u8);
        if (record >= 0) return record + 1;
        if (data.StartsWith("Event["u8) || data.StartsWith("\uFEFFEvent["u8)) return 0; // one record, maybe not yet whole
        var blank = data.LastIndexOf("\n\n"u8);
        var crlf = data.LastIndexOf("\n\r\n"u8);
        return Math.Max(blank < 0 ? 0 : blank + 2, crlf < 0 ? 0 : crlf + 3);
    }
}
