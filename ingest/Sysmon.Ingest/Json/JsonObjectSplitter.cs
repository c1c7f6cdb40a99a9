namespace Sysmon.Ingest.Json;

/// <summary>
/// Finds top-level JSON objects in UTF-8 bytes: one per line, inside one array, or concatenated (pretty-printed).
/// Only braces, brackets, strings and escapes are tracked; each object is then parsed on its own. A raw line
/// break inside a string cannot be JSON, so it marks a cut line and the scan resynchronises after it.
/// </summary>
internal static class JsonObjectSplitter
{
    public enum Outcome { NeedMore, Object, Junk, Skip }

    /// <summary>
    /// Looks at <paramref name="s"/> from its start. Object: <paramref name="length"/> bytes hold one object
    /// (starting at <paramref name="skip"/>). Junk: <paramref name="length"/> bytes are not JSON (up to a line end).
    /// Skip: <paramref name="length"/> bytes of separators (blanks, commas, array brackets). NeedMore: read more.
    /// </summary>
    public static Outcome Next(ReadOnlySpan<byte> s, bool final, out int skip, out int length)
    {
        skip = 0;
        length = 0;
        var i = 0;
        while (i < s.Length && IsSeparator(s[i])) i++;
        if (i > 0)
        {
            length = i;
            return Outcome.Skip;
        }
        if (s.IsEmpty) return final ? Outcome.Skip : Outcome.NeedMore;
        if (s.StartsWith(Bom))
        {
            length = 3;
            return Outcome.Skip;
        }
        if (s[0] != (byte)'{')
        {
            var nl = s.IndexOf((byte)'\n');
            if (nl < 0 && !final) return Outcome.NeedMore;
            length = nl < 0 ? s.Length : nl + 1;
            return Outcome.Junk;
        }
        var depth = 0;
        var inString = false;
        for (i = 0; i < s.Length; i++)
        {
            var b = s[i];
            if (Ordinary[b] != 0) continue; // most bytes: neither structure, quote, escape nor line break
            if (inString)
            {
                if (b == (byte)'\\') i++;
                else if (b == (byte)'"') inString = false;
                else if (b == (byte)'\n')
                {
                    length = i + 1;
                    return Outcome.Junk;
                }
                continue;
            }
            switch (b)
            {
                case (byte)'"': inString = true; break;
                case (byte)'{': case (byte)'[': depth++; break;
                case (byte)'}': case (byte)']':
                    depth--;
                    if (depth == 0)
                    {
                        length = i + 1;
                        return Outcome.Object;
                    }
                    break;
            }
        }
        if (!final) return Outcome.NeedMore;
        length = s.Length;
        return Outcome.Junk;
    }

    private static bool IsSeparator(byte b) =>
        b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)',' or (byte)'[' or (byte)']';

    // 1 for bytes the scan steps over in and out of strings; 0 for the quote, backslash, line feed and brackets.
    private static ReadOnlySpan<byte> Ordinary =>
    [
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ];

    internal static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];
}
