using System.Text;

namespace Sysmon.Stores.Elasticsearch.Connection;

/// <summary>
/// The text of an HTTP Warning header as Elasticsearch sends it (RFC 7234: code, agent, quoted text, optional date):
/// <c>299 Elasticsearch-9.1.0-abc "Line 1:40: evaluation of [TO_LONG(host.name)] failed, treating result as null."</c>
/// </summary>
public static class WarningHeader
{
    /// <summary>The quoted text with its escapes undone; a value not in that form is returned as it is.</summary>
    public static string Text(string header)
    {
        var open = header.IndexOf('"', StringComparison.Ordinal);
        if (open < 0) return header.Trim();
        var text = new StringBuilder(header.Length);
        for (var i = open + 1; i < header.Length; i++)
        {
            var c = header[i];
            if (c == '\\' && i + 1 < header.Length) c = header[++i];
            else if (c == '"') return text.ToString();
            text.Append(c);
        }
        return header.Trim(); // no closing quote: not the RFC form
    }
}
