using Sysmon.Ingest.Catalogue;
using Sysmon.Ingest.Events;

namespace Sysmon.Ingest.Text;

/// <summary>
/// Parses Sysmon's rendered message (<c>Process Create:</c> / <c>UtcTime: …</c> / …). The header names the event;
/// a field starts only at a line beginning with one of that event's field names and ": " (or ":" at the end of
/// the line), so values containing ": " or line breaks survive. Trailing spaces are data; only the line
/// terminator is stripped.
/// </summary>
public static class RenderedMessageParser
{
    /// <summary>True when the first line of <paramref name="text"/> is a known Sysmon header.</summary>
    public static bool LooksLikeMessage(string? text, EventCatalogue catalogue)
    {
        if (string.IsNullOrEmpty(text)) return false;
        var nl = text.AsSpan().IndexOfAny('\r', '\n');
        return catalogue.FindByHeader(nl < 0 ? text : text.AsSpan(0, nl)) is not null;
    }

    /// <summary>Parses a whole message. Returns null and a reason when it is not a Sysmon message.</summary>
    public static SysmonEvent? TryParse(string text, EventCatalogue catalogue, out string? error)
    {
        var lines = new List<(string Text, string Break)>();
        var start = 0;
        while (start <= text.Length)
        {
            var nl = text.IndexOf('\n', start);
            if (nl < 0)
            {
                lines.Add((text[start..], ""));
                break;
            }
            var end = nl > start && text[nl - 1] == '\r' ? nl - 1 : nl;
            lines.Add((text[start..end], text[end..(nl + 1)]));
            start = nl + 1;
        }
        return TryParse(lines, catalogue, out error);
    }

    /// <summary>Parses a message given as lines (each with the line break that followed it).</summary>
    public static SysmonEvent? TryParse(IReadOnlyList<(string Text, string Break)> lines, EventCatalogue catalogue, out string? error)
    {
        error = null;
        if (lines.Count == 0)
        {
            error = "empty message";
            return null;
        }
        var def = catalogue.FindByHeader(lines[0].Text);
        if (def is null)
        {
            error = $"unknown event header '{Truncate(lines[0].Text)}'";
            return null;
        }
        var e = new SysmonEvent { EventId = def.Id, Provider = Names.SysmonProvider, DataFromMessage = true };
        string? name = null;
        System.Text.StringBuilder? value = null;
        string pendingBreak = "";
        for (var i = 1; i < lines.Count; i++)
        {
            var line = lines[i].Text;
            var fieldName = FieldNameAt(line, def);
            if (fieldName is not null)
            {
                if (name is not null) e.Data.Add(new(name, value!.ToString()));
                name = fieldName;
                var valueStart = Math.Min(line.Length, fieldName.Length + 2);
                value = new System.Text.StringBuilder(line, valueStart, line.Length - valueStart, line.Length);
            }
            else if (name is not null)
            {
                value!.Append(pendingBreak).Append(line);
            }
            else if (line.Length > 0)
            {
                error = $"line {i + 1} is not a field of '{def.Headers[0]}': '{Truncate(line)}'";
                return null;
            }
            pendingBreak = lines[i].Break;
        }
        if (name is not null) e.Data.Add(new(name, TrimFinalBlankLines(value!.ToString())));
        if (e.Data.Count == 0)
        {
            error = $"'{def.Headers[0]}' has no fields";
            return null;
        }
        return e;
    }

    // A message block may end with blank lines that belong to the separator, not to the last value.
    private static string TrimFinalBlankLines(string value) => value.TrimEnd('\r', '\n');

    /// <summary>The field of <paramref name="def"/> that <paramref name="line"/> starts, or null.</summary>
    public static string? FieldNameAt(string line, EventDefinition def)
    {
        var colon = line.IndexOf(':');
        if (colon <= 0) return null;
        if (colon + 1 < line.Length && line[colon + 1] != ' ') return null;
        var candidate = line.AsSpan(0, colon);
        foreach (var f in def.Fields)
        {
            if (candidate.SequenceEqual(f)) return f;
        }
        return null;
    }

    private static string Truncate(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
