namespace Sysmon.Ingest.Xml;

/// <summary>
/// Finds <c>&lt;Event&gt;</c> elements in UTF-8 bytes without parsing XML: start tags <c>&lt;Event</c> or
/// <c>&lt;prefix:Event</c> followed by a blank, '&gt;' or '/', and the matching end tag. Event elements never
/// nest, so a second start before an end means the first one was cut (syslog truncation).
/// </summary>
internal static class XmlEventSplitter
{
    /// <summary>Index of the next event start tag's '&lt;' at or after <paramref name="from"/>, or -1.
    /// <paramref name="safeEnd"/> is how far the caller may consume when nothing is found (a tag may straddle the end).</summary>
    public static int FindStart(ReadOnlySpan<byte> s, int from, out int safeEnd)
    {
        var i = from;
        while (true)
        {
            var lt = s[i..].IndexOf((byte)'<');
            if (lt < 0)
            {
                safeEnd = s.Length;
                return -1;
            }
            lt += i;
            var nameEnd = MatchEventName(s, lt + 1, out var complete);
            if (!complete)
            {
                safeEnd = lt;
                return -1;
            }
            if (nameEnd > 0) 
            {
                safeEnd = lt;
                return lt;
            }
            i = lt + 1;
        }
    }

    /// <summary>Index just past the end tag closing the event that starts at 0, or -1. Sets
    /// <paramref name="nestedStart"/> to the index of another event start met first (truncated event), else -1.</summary>
    public static int FindEnd(ReadOnlySpan<byte> s, int searchFrom, out int nestedStart)
    {
        nestedStart = -1;
        var i = Math.Max(searchFrom, 1);
        while (true)
        {
            var lt = s[i..].IndexOf((byte)'<');
            if (lt < 0) return -1;
            lt += i;
            if (lt + 1 >= s.Length) return -1;
            if (s[lt + 1] == (byte)'/')
            {
                var nameEnd = MatchEventName(s, lt + 2, out var complete);
                if (!complete) return -1;
                if (nameEnd > 0)
                {
                    var gt = s[nameEnd..].IndexOf((byte)'>');
                    if (gt < 0) return -1;
                    return nameEnd + gt + 1;
                }
            }
            else
            {
                var nameEnd = MatchEventName(s, lt + 1, out var complete);
                if (!complete) return -1;
                if (nameEnd > 0)
                {
                    nestedStart = lt;
                    return -1;
                }
            }
            i = lt + 1;
        }
    }

    /// <summary>Where a scan that found no end may resume next time (bytes before it hold no tag start).</summary>
    public static int ResumePoint(ReadOnlySpan<byte> s) => Math.Max(1, s.Length - 64);

    // Matches "Event" or "prefix:Event" at i followed by a delimiter. Returns the index after the name, 0 when
    // it is another name, and complete=false when the buffer ends before this can be decided.
    private static int MatchEventName(ReadOnlySpan<byte> s, int i, out bool complete)
    {
        complete = true;
        var j = i;
        // optional prefix
        var colon = -1;
        while (j < s.Length && j - i < 64 && IsNameChar(s[j]))
        {
            if (s[j] == (byte)':') colon = j;
            j++;
        }
        if (j >= s.Length)
        {
            complete = false;
            return 0;
        }
        var localStart = colon >= 0 ? colon + 1 : i;
        var local = s[localStart..j];
        if (!local.SequenceEqual("Event"u8)) return 0;
        var d = s[j];
        return d is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'>' or (byte)'/' ? j : 0;
    }

    private static bool IsNameChar(byte b) =>
        b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
            or (byte)':' or (byte)'_' or (byte)'-' or (byte)'.' || b >= 0x80;
}
