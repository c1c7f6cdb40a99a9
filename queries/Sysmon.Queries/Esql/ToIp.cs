using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Sysmon.Queries.Esql;

/// <summary>
/// ES|QL's TO_IP on the embedded store, which keeps addresses as text beside a numeric twin (no inet type): an IP field
/// (one with a twin) is already an address and stays itself; a constant is parsed here and written as Elasticsearch
/// shows an ip (an IPv4-mapped IPv6 address as IPv4; null when it is none); any other text is null unless it reads as an
/// address: a dotted quad without leading zeros, or IPv6 digits and colons, lower-cased but not shortened.
/// Elastic's rules write <c>CIDR_MATCH(TO_IP(source.ip), ...)</c> and <c>BY ip = TO_IP(source.ip)</c>.
/// </summary>
internal static partial class ToIp
{
    private const string DottedQuad = @"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}";

    [GeneratedRegex("^" + DottedQuad + "$")]
    private static partial Regex Ipv4();

    /// <summary>The IP field <paramref name="e"/> reads, as itself or through TO_IP, when its numeric twin is among
    /// <paramref name="columns"/>: CIDR_MATCH and the address comparisons read the twin.</summary>
    public static FieldRef? IpField(Expr e, IReadOnlyCollection<string> columns) =>
        (e switch { FieldRef f => f, Call { Function: "TO_IP", Args: [FieldRef f] } => f, _ => null }) is { } field &&
        columns.Contains(IpNumbers.TwinOf(field.Name)) ? field : null;

    /// <summary>The SQL of TO_IP(<paramref name="arg"/>); <paramref name="sql"/> is the argument translated.</summary>
    public static string Sql(Call c, Expr arg, string sql, string? constant, IReadOnlyCollection<string> columns)
    {
        if (arg is FieldRef && IpField(arg, columns) is not null) return sql;
        if (constant is not null) return Canonical(constant) is { } text ? DuckDbTranslator.LiteralSql(text) : "CAST(NULL AS VARCHAR)";
        if (arg is Literal) throw new EsqlException("TO_IP takes an address as a string", c.Position);
        return $"(CASE WHEN regexp_full_match({sql}, '{DottedQuad}') THEN {sql} " +
               $"WHEN strpos({sql}, ':') > 0 AND regexp_full_match({sql}, '[0-9A-Fa-f:.]{{2,45}}') THEN lower({sql}) END)";
    }

    // As Elasticsearch prints an ip: IPv6 in its shortest form, an IPv4-mapped one as IPv4.
    private static string? Canonical(string text)
    {
        if (!text.Contains(':', StringComparison.Ordinal)) return Ipv4().IsMatch(text) ? text : null;
        return IPAddress.TryParse(text, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? IpNumbers.Shown(ip) : null;
    }
}
