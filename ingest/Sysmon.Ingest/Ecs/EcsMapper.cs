using System.Globalization;
using System.Net;
using Sysmon.Ingest.Catalogue;
using Sysmon.Ingest.Events;

namespace Sysmon.Ingest.Ecs;

/// <summary>
/// Maps a <see cref="SysmonEvent"/> to ECS as Elastic's Windows integration (sysmon_operational pipeline) does.
/// The per-field part is driven by Catalogue/ecs-field-map.tsv; this class holds only the rules that are
/// not one-field-to-one-field (hashes, users, network, DNS, registry, derived names and args).
/// </summary>
public sealed class EcsMapper(EcsMapperOptions options, EventCatalogue? catalogue = null)
{
    /// <summary>In <c>tags</c> when <c>@timestamp</c> is the collector's time: the record itself carried none, so
    /// another export of it may carry another time.</summary>
    public const string CollectorTimeTag = "timestamp_from_collector";

    private const string ZeroGuid = "{00000000-0000-0000-0000-000000000000}";
    private readonly EventCatalogue _catalogue = catalogue ?? EventCatalogue.Default;

    // The most fields a document of each event id has held: the next one is made that large. A fixed 64 was too small
    // for process creation and image loads (65-70 fields: the list grew to 128, 4.6 KB allocated per document, the
    // largest item of what ingest allocates) and a third too large for most others; the last document's size instead
    // of the largest made real logs' lists grow whenever an event had a field more than the one before. Written by
    // several threads at once: it is only a size hint, and an int is written whole.
    private readonly int[] _fieldsByEventId = new int[256];

    public EcsMapperOptions Options { get; } = options;

    // Events whose Hashes go to process.hash / file.hash (27 and 28: related.hash only, Elastic's quirk).
    internal static bool HashesToProcess(int id) => id is 1 or 23 or 24 or 25;
    internal static bool HashesToFile(int id) => id is 6 or 7 or 15 or 26 or 29;

    /// <summary>The host fields Elastic Agent and Winlogbeat add from the host they run on, and Elastic's detection rules
    /// and hunting queries filter and count by: host.os from the channel the event was logged to (a log read here comes
    /// from a host of the kind its channel names; Linux's family and platform are not in the log), and host.id, which
    /// Elastic's hunts count hosts by (19 of the 28 for Sysmon stopped at it). No Sysmon record carries the machine id
    /// an agent would put there, so host.id is the shipper's own (a Winlogbeat / Elastic Agent document's host.id), kept as
    /// Elastic's integration keeps it, or else the computer name (host.name), a value ECS allows ("meaningful in your
    /// environment"). The DuckDB store's views compute the same from the channel and host.name, and store a shipped
    /// host.id in its column (EventColumns.DerivedFields): a change here goes there too.</summary>
    public static void SetHostFields(EcsDocument doc, string? channel, string? hostName, string? shippedHostId = null)
    {
        var id = string.IsNullOrEmpty(shippedHostId) ? hostName : shippedHostId;
        if (!string.IsNullOrEmpty(id)) doc.Set("host.id", id);
        if (string.Equals(channel, Names.LinuxSysmonChannel, StringComparison.OrdinalIgnoreCase))
        {
            doc.Set("host.os.type", "linux");
        }
        else
        {
            doc.Set("host.os.type", "windows");
            doc.Set("host.os.family", "windows");
            doc.Set("host.os.platform", "windows");
        }
    }

    // agent.*: the Winlogbeat or Elastic Agent that shipped the event, as Elastic's integration keeps it (two of Elastic's
    // hunts count agents by agent.id). Never made up: a log read from a file had no agent.
    private static void SetAgent(EcsDocument doc, ShipperIdentity shipper)
    {
        if (shipper.AgentId is { } id) doc.Set("agent.id", id);
        if (shipper.AgentName is { } name) doc.Set("agent.name", name);
        if (shipper.AgentType is { } type) doc.Set("agent.type", type);
        if (shipper.AgentVersion is { } version) doc.Set("agent.version", version);
    }

    public EcsDocument Map(SysmonEvent e)
    {
        var def = _catalogue.Find(e.EventId);
        var slot = e.EventId & 0xFF;
        var doc = new EcsDocument(_fieldsByEventId[slot] is > 0 and var seen ? seen : 64);
        var data = NonEmptyData(e);

        SetTimestamps(doc, e, data);
        doc.Set("ecs.version", Names.EcsVersion);
        doc.Set("event.kind", "event");
        doc.Set("event.code", e.EventId.ToString(CultureInfo.InvariantCulture));
        doc.Set("event.provider", e.Provider ?? Names.SysmonProvider);
        doc.Set("event.module", Names.EventModule);
        doc.Set("event.dataset", Names.EventDataset);
        if (def is not null)
        {
            if (def.Categories.Count > 0) doc.Set("event.category", EcsValue.Of([.. def.Categories]));
            doc.Set("event.type", EcsValue.Of([.. def.Types]));
            doc.Set("event.action", def.Action);
        }
        var level = LevelName(e);
        if (level is not null) doc.Set("log.level", level);

        var host = e.Computer ?? Options.HostName;
        if (!string.IsNullOrEmpty(host)) doc.Set("host.name", host);
        SetHostFields(doc, e.Channel, host, e.Shipper?.HostId); // the name just set, not looked up again per event
        if (e.Shipper is { } shipper) SetAgent(doc, shipper);
        if (!string.IsNullOrEmpty(e.UserSid)) doc.Set("user.id", e.UserSid);
        SetWinlog(doc, e, def);
        SetProvenance(doc, e);

        if (def is not null) MapEventData(doc, e.EventId, data);
        if (e.EventId == 255) doc.Set("log.level", "error");

        var remaining = new List<KeyValuePair<string, string>>(data.Count);
        foreach (var entry in data)
        {
            if (entry.Removed) continue;
            var name = entry.Name;
            if (name == "TargetProcessGuid" && e.EventId is 8 or 10) name = "TargetProcessGUID";
            remaining.Add(new(name, entry.Value));
        }
        if (remaining.Count > 0) doc.Set("winlog.event_data", EcsValue.Of(remaining));

        var id = DocumentId.For(e, host);
        doc.Id = id;
        doc.Set("event.id", id);
        // Room for what a later step adds (tags, threat.*) without growing the list; capped so that one odd event
        // cannot make every later one large.
        if (doc.Count + 4 is var wanted && wanted > _fieldsByEventId[slot]) _fieldsByEventId[slot] = Math.Min(wanted, 128);
        return doc;
    }

    private struct Entry(string name, string value)
    {
        public readonly string Name = name;
        public readonly string Value = value;
        public bool Removed;
    }

    // The working copy of an event's data, one per thread and reused (Map may run on several threads at once; the
    // list never outlives the call): a new one per event was ~8% of what mapping allocated.
    [ThreadStatic] private static List<Entry>? t_data;

    // Step 1 of Elastic's pipeline: EventData that is empty, "-" or the zero GUID is dropped.
    private static List<Entry> NonEmptyData(SysmonEvent e)
    {
        var list = t_data is { Capacity: <= 1024 } kept ? kept : t_data = new List<Entry>(32); // an outsized event's list is not kept
        list.Clear();
        foreach (var kv in e.Data)
        {
            var v = kv.Value;
            if (string.IsNullOrEmpty(v) || v == "-" || string.Equals(v, ZeroGuid, StringComparison.OrdinalIgnoreCase)) continue;
            list.Add(new Entry(kv.Key, v));
        }
        return list;
    }

    private static string? Find(List<Entry> data, string name)
    {
        foreach (var entry in data)
        {
            if (entry.Name == name) return entry.Value;
        }
        return null;
    }

    private static void RemoveAll(List<Entry> data, string name)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(data);
        for (var i = 0; i < span.Length; i++)
        {
            if (span[i].Name == name) span[i].Removed = true;
        }
    }

    private static void SetTimestamps(EcsDocument doc, SysmonEvent e, List<Entry> data)
    {
        var utc = Find(data, "UtcTime");
        if (SysmonTime.TryParseUtcTime(utc, out var ts))
        {
            doc.Set("@timestamp", SysmonTime.FormatMillis(ts));
        }
        else if (e.TimeCreated is { } created)
        {
            doc.Set("@timestamp", SysmonTime.FormatMillis(created));
            if (utc is not null) doc.Set("error.message", $"UtcTime '{utc}' is not a Sysmon time; @timestamp is TimeCreated");
        }
        else if (e.ObservedTime is { } observed)
        {
            doc.Set("@timestamp", SysmonTime.FormatMillis(observed));
            doc.Append("tags", CollectorTimeTag);
        }
        else
        {
            throw new MappingException(utc is null
                ? "no time: the event has neither UtcTime nor TimeCreated"
                : $"unparsable time: UtcTime '{utc}' (expected yyyy-MM-dd HH:mm:ss.fff) and no TimeCreated");
        }
        if (e.TimeCreated is { } tc) doc.Set("event.created", SysmonTime.FormatTicks(tc));
    }

    private static string? LevelName(SysmonEvent e)
    {
        if (!string.IsNullOrEmpty(e.LevelName)) return e.LevelName.ToLowerInvariant();
        return e.Level switch
        {
            1 => "critical",
            2 => "error",
            3 => "warning",
            0 or 4 => "information",
            5 => "verbose",
            _ => null,
        };
    }

    private static void SetWinlog(EcsDocument doc, SysmonEvent e, EventDefinition? def)
    {
        doc.Set("winlog.event_id", e.EventId.ToString(CultureInfo.InvariantCulture));
        if (e.Channel is not null) doc.Set("winlog.channel", e.Channel);
        if (e.Computer is not null) doc.Set("winlog.computer_name", e.Computer);
        doc.Set("winlog.provider_name", e.Provider ?? Names.SysmonProvider);
        if (e.ProviderGuid is not null) doc.Set("winlog.provider_guid", e.ProviderGuid);
        if (e.RecordId is { } rid) doc.Set("winlog.record_id", rid.ToString(CultureInfo.InvariantCulture));
        if (e.Version is { } v) doc.Set("winlog.version", v);
        var opcode = e.OpcodeName ?? (e.Opcode == 0 ? "Info" : null);
        if (opcode is not null) doc.Set("winlog.opcode", opcode);
        var task = e.TaskName ?? def?.TaskName;
        if (task is not null) doc.Set("winlog.task", task);
        if (e.Keywords is not null) doc.Set("winlog.keywords", e.Keywords);
        doc.Set("winlog.api", "wineventlog");
        if (e.ExecutionProcessId is { } pid) doc.Set("winlog.process.pid", pid);
        if (e.ExecutionThreadId is { } tid) doc.Set("winlog.process.thread.id", tid);
        if (!string.IsNullOrEmpty(e.UserSid)) doc.Set("winlog.user.identifier", e.UserSid);
    }

    private void SetProvenance(EcsDocument doc, SysmonEvent e)
    {
        doc.Set("log.file.path", e.Position.Path);
        if (e.Position.Offset is { } offset) doc.Set("log.offset", offset);
        if (e.DataFromMessage) doc.Append("tags", Names.MessageParsedTag);
        if (Options.KeepOriginal && e.Original is not null) doc.Set("event.original", e.Original);
    }

    private void MapEventData(EcsDocument doc, int id, List<Entry> data)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(data);
        for (var i = 0; i < span.Length; i++)
        {
            ref var entry = ref span[i];
            var mappings = _catalogue.MappingsFor(id, entry.Name);
            if (mappings is null) continue;
            var moved = false;
            foreach (var m in mappings)
            {
                if (doc.Contains(m.Target)) continue; // first wins (e.g. SourceImage vs Image never both)
                if (!Convert(doc, m, entry.Value)) continue;
                moved |= !m.KeepInEventData;
            }
            if (moved) entry.Removed = true;
        }

        MapHashes(doc, id, data);
        MapUser(doc, data);
        if (id == 3) MapNetwork(doc, data);
        if (id == 22) MapDns(doc, data);
        if (id is 12 or 13 or 14)
        {
            if (doc.GetString("registry.path") is { } path) RegistryFields.MapPath(doc, path);
            if (id == 13 && Find(data, "Details") is { } details) RegistryFields.MapDetails(doc, details);
        }
        if (id == 7) MapDll(doc, data);
        if (id is 6 or 7 && doc.GetString("file.code_signature.status") is { } status)
        {
            doc.Set("file.code_signature.valid", status == "Valid");
        }
        DeriveProcessFields(doc);
        DeriveFileFields(doc);

        // Fields Elastic consumes without a one-to-one target (sysmon-ecs.md §3.9).
        foreach (var name in (ReadOnlySpan<string>)["UtcTime", "Hash", "Hashes", "User", "Initiated", "SourceIsIpv6",
                     "DestinationIsIpv6", "SourcePortName", "DestinationPortName", "QueryStatus", "QueryResults"])
        {
            RemoveAll(data, name);
        }
    }

    private static bool Convert(EcsDocument doc, FieldMapping m, string value)
    {
        switch (m.Conversion)
        {
            case FieldConversion.String:
                doc.Set(m.Target, value);
                return true;
            case FieldConversion.Long:
                if (!long.TryParse(value.AsSpan().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return false;
                doc.Set(m.Target, n);
                return true;
            case FieldConversion.Ip:
                // A redacted or malformed address ("172.20.XXX.XXX") never becomes an ip value; the raw text stays.
                if (!StrictIp.IsValid(value.AsSpan().Trim())) return false;
                doc.Set(m.Target, value.Trim());
                return true;
            case FieldConversion.Bool:
                if (!bool.TryParse(value.AsSpan().Trim(), out var b)) return false;
                doc.Set(m.Target, b);
                return true;
            default:
                return false;
        }
    }

    private static void MapHashes(EcsDocument doc, int id, List<Entry> data)
    {
        var hashes = Find(data, "Hashes") ?? Find(data, "Hash");
        if (hashes is null) return;
        var target = HashesToProcess(id) ? HashTargets.Process : HashesToFile(id) ? HashTargets.File : null;
        foreach (var range in hashes.AsSpan().Split(','))
        {
            if (!HashesField.TryParseItem(hashes.AsSpan(range), out var algo, out var hex)) continue;
            doc.Append("related.hash", hex, distinct: true);
            if (target is null) continue;
            doc.Set(target.PathFor(algo), hex);
            if (id == 7) doc.Set(HashTargets.Dll.PathFor(algo), hex);
        }
    }

    // ECS paths of each hash algorithm per field set, built once (no string formatting per event).
    private sealed class HashTargets(string prefix)
    {
        public static readonly HashTargets Process = new("process");
        public static readonly HashTargets File = new("file");
        public static readonly HashTargets Dll = new("dll");

        private readonly string _md5 = prefix + ".hash.md5", _sha1 = prefix + ".hash.sha1", _sha256 = prefix + ".hash.sha256",
            _imphash = prefix + ".pe.imphash";

        public string PathFor(string algo) => algo switch
        {
            "md5" => _md5,
            "sha1" => _sha1,
            "sha256" => _sha256,
            "imphash" => _imphash,
            _ => $"{prefix}.hash.{algo}",
        };
    }

    private static void MapUser(EcsDocument doc, List<Entry> data)
    {
        var user = Find(data, "User");
        if (user is null) return;
        var slash = user.IndexOf('\\');
        if (slash <= 0 || slash == user.Length - 1 || user.IndexOf('\\', slash + 1) >= 0) return;
        var name = user[(slash + 1)..];
        doc.Set("user.domain", user[..slash]);
        doc.Set("user.name", name);
        doc.Append("related.user", name, distinct: true);
    }

    private static void MapNetwork(EcsDocument doc, List<Entry> data)
    {
        if (Find(data, "Initiated") is { } initiated && bool.TryParse(initiated, out var egress))
        {
            doc.Set("network.direction", egress ? "egress" : "ingress");
        }
        if (Find(data, "SourceIsIpv6") is { } v6 && bool.TryParse(v6, out var isV6))
        {
            doc.Set("network.type", isV6 ? "ipv6" : "ipv4");
        }
        var protocol = Find(data, "DestinationPortName") ?? Find(data, "SourcePortName");
        if (protocol is not null) doc.Set("network.protocol", protocol);
        var src = doc.GetString("source.ip");
        var dst = doc.GetString("destination.ip");
        if (src is not null) doc.Append("related.ip", src, distinct: true);
        if (dst is not null) doc.Append("related.ip", dst, distinct: true);
        if (src is not null && dst is not null && doc.GetLong("source.port") is { } sp && doc.GetLong("destination.port") is { } dp &&
            doc.GetString("network.transport") is { } transport &&
            IPAddress.TryParse(src, out var srcIp) && IPAddress.TryParse(dst, out var dstIp) &&
            CommunityId.Compute(srcIp, (int)sp, dstIp, (int)dp, transport.ToLowerInvariant()) is { } cid)
        {
            doc.Set("network.community_id", cid);
        }
    }

    private void MapDns(EcsDocument doc, List<Entry> data)
    {
        doc.Set("network.protocol", "dns");
        var name = doc.GetString("dns.question.name");
        DnsQueryResults.Map(doc, Find(data, "QueryResults"), name);
        if (Find(data, "QueryStatus") is { } status) doc.Set("sysmon.dns.status", DnsQueryResults.StatusName(status));
        if (name is not null && Options.PublicSuffixes is { } psl &&
            psl.TrySplit(name, out var registered, out var sub, out var tld))
        {
            doc.Set("dns.question.registered_domain", registered);
            doc.Set("dns.question.top_level_domain", tld);
            if (sub is not null) doc.Set("dns.question.subdomain", sub);
        }
    }

    // Newer Elastic packages (3.3+) also describe the loaded image of event 7 as dll.*.
    private static void MapDll(EcsDocument doc, List<Entry> data)
    {
        if (doc.GetString("file.path") is { } path)
        {
            doc.Set("dll.path", path);
            if (WindowsPath.FileName(path) is { } name) doc.Set("dll.name", name);
        }
        if (doc.GetString("file.pe.original_file_name") is { } original) doc.Set("dll.pe.original_file_name", original);
        var signed = Find(data, "Signed");
        var status = Find(data, "SignatureStatus") ?? (signed is not null && !bool.TryParse(signed, out _) ? signed : null);
        if (status is not null) doc.Set("dll.code_signature.status", status);
    }

    private static void DeriveProcessFields(EcsDocument doc)
    {
        if (doc.GetString("process.executable") is { } exe && WindowsPath.FileName(exe) is { } name) doc.Set("process.name", name);
        if (doc.GetString("process.parent.executable") is { } pexe && WindowsPath.FileName(pexe) is { } pname)
        {
            doc.Set("process.parent.name", pname);
        }
        if (doc.GetString("process.command_line") is { } cmd)
        {
            var args = CommandLineArgs.Split(cmd);
            doc.Set("process.args", EcsValue.Of(args));
            doc.Set("process.args_count", args.Count);
        }
        if (doc.GetString("process.parent.command_line") is { } pcmd)
        {
            var args = CommandLineArgs.Split(pcmd);
            doc.Set("process.parent.args", EcsValue.Of(args));
            doc.Set("process.parent.args_count", args.Count);
        }
    }

    private static void DeriveFileFields(EcsDocument doc)
    {
        if (doc.GetString("file.path") is not { } path || !path.Contains('\\')) return;
        if (WindowsPath.FileName(path) is { Length: > 0 } name) doc.Set("file.name", name);
        if (WindowsPath.Directory(path) is { Length: > 0 } dir) doc.Set("file.directory", dir);
        if (WindowsPath.Extension(path) is { } ext) doc.Set("file.extension", ext);
    }
}
