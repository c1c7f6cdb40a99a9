using Sysmon.Ingest.Catalogue;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Events;

namespace Sysmon.Ingest.Json;

/// <summary>
/// Gives back the EventData that an ECS pipeline moved out of <c>winlog.event_data</c>. Elastic's integration (and
/// this tool's own NDJSON) keeps there only what it did not map: <c>Image</c> is <c>process.executable</c>,
/// <c>Hashes</c> the hash fields, <c>User</c> <c>user.domain</c> and <c>user.name</c>. Read as Winlogbeat lines,
/// such documents were mapped again from what was left, and lost their process, file, user and hash fields without a
/// word (24 of the 30 sample events lost <c>process.executable</c> when `convert`'s own output was converted again).
/// Each missing field is read back from where the catalogue's field map and the mapper put it, so that mapping it
/// again gives the same document.
/// </summary>
/// <remarks>Not recoverable: a DNS answer's CNAME records (<c>dns.answers</c> is a list of objects, which the JSON
/// reader does not flatten); its addresses come back from <c>dns.resolved_ip</c>.</remarks>
internal static class MappedEventData
{
    /// <summary>For a document an ECS pipeline for Sysmon may have mapped already (Winlogbeat's sysmon module and this
    /// tool set event.module to sysmon, Elastic Agent event.dataset to windows.sysmon_operational). A field still in
    /// event_data is left as it is, so a document not mapped after all gains nothing.</summary>
    public static void Recover(SysmonEvent e, JsonFields f, EventCatalogue catalogue)
    {
        if (catalogue.Find(e.EventId) is not { } def) return;
        // The record's own time: the mapper writes it to event.created, @timestamp being UtcTime.
        if (f.Get("winlog.time_created") is null && SysmonTime.TryParseSystemTime(f.Get("event.created"), out var created)) e.TimeCreated = created;
        Add(e, def, "UtcTime", SysmonTime.TryParseSystemTime(f.Get("@timestamp"), out var at)
            ? SysmonTime.FormatUtcTime(at.UtcDateTime) : null);

        // One-to-one fields, an event's own row before the rows for every event (SourceImage before Image for event 8).
        // A target some field already there maps to needs nothing more; the targets are found once, not per row.
        var filled = new List<string>(8);
        foreach (var kv in e.Data)
        {
            if (catalogue.MappingsFor(e.EventId, kv.Key) is { } rows) filled.AddRange(rows.Select(r => r.Target));
        }
        foreach (var specific in (ReadOnlySpan<bool>)[true, false])
        {
            foreach (var m in catalogue.Mappings)
            {
                if (m.KeepInEventData || (m.Events is not null && !m.Excluding) != specific || !m.AppliesTo(e.EventId)) continue;
                if (filled.Contains(m.Target) || !Add(e, def, m.Source, f.Get(m.Target))) continue;
                filled.Add(m.Target);
            }
        }

        Add(e, def, def.HasField("Hash") ? "Hash" : "Hashes", Hashes(f, e.EventId));
        if (f.Get("user.domain") is { } domain && f.Get("user.name") is { } user) Add(e, def, "User", domain + "\\" + user);
        if (e.EventId == 3)
        {
            Add(e, def, "Initiated", f.Get("network.direction") switch { "egress" => "true", "ingress" => "false", _ => null });
            var v6 = f.Get("network.type") switch { "ipv6" => "true", "ipv4" => "false", _ => null };
            Add(e, def, "SourceIsIpv6", v6);
            Add(e, def, "DestinationIsIpv6", v6);
            Add(e, def, "DestinationPortName", f.Get("network.protocol"));
        }
        if (e.EventId == 22)
        {
            Add(e, def, "QueryStatus", f.Get("sysmon.dns.status"));
            // Sysmon writes IPv4 answers as ::ffff:a.b.c.d, each ended by ';'.
            if (f.Get("dns.resolved_ip") is { } resolved)
            {
                var results = string.Concat(resolved.Split(", ").Select(ip => (ip.Contains(':', StringComparison.Ordinal) ? ip : "::ffff:" + ip) + ";"));
                Add(e, def, "QueryResults", results);
            }
        }
    }

    // Adds name = value to the event's data unless the value is empty, the event has no such field, or it is there.
    private static bool Add(SysmonEvent e, EventDefinition def, string name, string? value)
    {
        if (string.IsNullOrEmpty(value) || !def.HasField(name) || e.GetData(name) is not null) return false;
        e.Data.Add(new(name, value));
        return true;
    }

    // Hashes in related.hash's order (the order Sysmon wrote them), each named by the hash field that holds it, else by
    // its length (events 27 and 28 keep them in related.hash only).
    private static string? Hashes(JsonFields f, int id)
    {
        if (f.Get("related.hash") is not { } related) return null;
        var prefix = EcsMapper.HashesToProcess(id) ? "process" : EcsMapper.HashesToFile(id) ? "file" : null;
        var items = new List<string>();
        foreach (var hex in related.Split(", "))
        {
            var algo = prefix is null ? null
                : hex == f.Get(prefix + ".hash.sha256") ? "SHA256"
                : hex == f.Get(prefix + ".hash.sha1") ? "SHA1"
                : hex == f.Get(prefix + ".hash.md5") ? "MD5"
                : hex == f.Get(prefix + ".pe.imphash") ? "IMPHASH"
                : null;
            algo ??= hex.Length switch { 64 => "SHA256", 40 => "SHA1", _ => "MD5" };
            items.Add(algo + "=" + hex);
        }
        return items.Count == 0 ? null : string.Join(",", items);
    }
}
