using System.Net;
using System.Net.Sockets;

namespace Sysmon.Queries.Esql;

/// <summary>
/// Comparisons of an IP field with address constants, over the field's numeric twin: Elasticsearch compares ip values
/// as addresses, so <c>source.ip == "ff02::1:3"</c> matches the events Sysmon logged as <c>ff02:0:0:0:0:0:1:3</c>
/// (it writes IPv6 unabbreviated), where the stored texts compared as text matched none. Only when every constant is
/// an address and the twin is there (after a KEEP or STATS it may not be); otherwise the texts are compared as before.
/// </summary>
internal static class IpComparison
{
    /// <summary>The SQL of <paramref name="b"/> (==, !=, &lt;, &lt;=, &gt;, &gt;=) over the twin, or null.</summary>
    public static string? Binary(Binary b, IReadOnlyCollection<string> columns, Func<Expr, string?> constant)
    {
        if (b.Op is not ("==" or "!=" or "<" or "<=" or ">" or ">=")) return null;
        var (field, other, op) = Twin(b.Left, columns) is { } left ? (left, b.Right, b.Op) :
            Twin(b.Right, columns) is { } right ? (right, b.Left, Mirrored(b.Op)) : default;
        if (field is null || Number(constant(other)) is not { } number) return null;
        return $"({DuckDbTranslator.Quote(field)} {(op switch { "==" => "=", "!=" => "<>", _ => op })} {number})";
    }

    /// <summary>The SQL of <paramref name="list"/> over the twin, or null.</summary>
    public static string? In(InList list, IReadOnlyCollection<string> columns, Func<Expr, string?> constant)
    {
        if (Twin(list.Value, columns) is not { } field) return null;
        var numbers = new List<string>(list.Items.Count);
        foreach (var item in list.Items)
        {
            if (Number(constant(item)) is not { } number) return null;
            numbers.Add(number);
        }
        return $"({DuckDbTranslator.Quote(field)} {(list.Negated ? "NOT IN" : "IN")} ({string.Join(", ", numbers)}))";
    }

    // The twin column of an IP field (as itself or through TO_IP), when the input has it.
    private static string? Twin(Expr e, IReadOnlyCollection<string> columns) =>
        ToIp.IpField(e, columns) is { } field ? IpNumbers.TwinOf(field.Name) : null;

    // An address constant as the twin's number: a dotted quad or an IPv6 address (IPAddress alone also reads "1.2.3"
    // and "10" as IPv4).
    private static string? Number(string? text)
    {
        if (text is null || !IPAddress.TryParse(text, out var ip)) return null;
        if (ip.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3) return null;
        return IpNumbers.From(ip).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Mirrored(string op) => op switch { "<" => ">", "<=" => ">=", ">" => "<", ">=" => "<=", _ => op };
}
