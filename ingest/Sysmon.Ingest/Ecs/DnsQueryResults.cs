using System.Globalization;

namespace Sysmon.Ingest.Ecs;

/// <summary>dns.* from event 22's QueryResults and QueryStatus (sysmon-ecs.md §3.5).</summary>
public static class DnsQueryResults
{
    public static void Map(EcsDocument doc, string? queryResults, string? questionName)
    {
        var answers = new List<EcsDocument>();
        var resolved = new List<string>();
        var hosts = new List<string>();
        if (queryResults is not null)
        {
            foreach (var range in queryResults.AsSpan().Split(';'))
            {
                var item = queryResults.AsSpan(range).Trim();
                if (item.IsEmpty) continue;
                if (item.StartsWith("type:", StringComparison.Ordinal))
                {
                    // "type:  5 name": tokens separated by runs of whitespace.
                    var rest = item[5..].Trim();
                    var sp = rest.IndexOfAny(' ', '\t');
                    var typeText = sp < 0 ? rest : rest[..sp];
                    var data = sp < 0 ? ReadOnlySpan<char>.Empty : rest[(sp + 1)..].Trim();
                    var answer = new EcsDocument(capacity: 2);
                    if (int.TryParse(typeText, NumberStyles.None, CultureInfo.InvariantCulture, out var t) &&
                        DnsTables.RecordTypes.TryGetValue(t, out var typeName))
                    {
                        answer.Set("type", typeName);
                    }
                    if (!data.IsEmpty)
                    {
                        var d = data.ToString();
                        answer.Set("data", d);
                        hosts.Add(d);
                    }
                    answers.Add(answer);
                    continue;
                }
                var address = item.StartsWith("::ffff:", StringComparison.OrdinalIgnoreCase) && !item[7..].Contains(':')
                    ? item[7..]
                    : item;
                if (StrictIp.IsValid(address)) resolved.Add(address.ToString());
            }
        }
        foreach (var ip in resolved)
        {
            var answer = new EcsDocument(capacity: 2);
            answer.Set("data", ip);
            answer.Set("type", ip.Contains(':') ? "AAAA" : "A");
            answers.Add(answer);
        }
        if (answers.Count > 0) doc.Set("dns.answers", EcsValue.Of(answers));
        if (resolved.Count > 0) doc.Set("dns.resolved_ip", EcsValue.Of(resolved));
        foreach (var ip in resolved) doc.Append("related.ip", ip, distinct: true);
        foreach (var h in hosts) doc.Append("related.hosts", h, distinct: true);
        if (questionName is not null) doc.Append("related.hosts", questionName, distinct: true);
    }

    public static string StatusName(string status) =>
        int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out var code) &&
        DnsTables.QueryStatus.TryGetValue(code, out var name)
            ? name
            : status;
}
