using System.Collections.Frozen;
using System.Globalization;
using Sysmon.Ingest.Catalogue;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Text;

namespace Sysmon.Ingest.Json;

/// <summary>
/// Turns one flattened JSON object into a <see cref="SysmonEvent"/>, whatever shipped it: Winlogbeat / Elastic
/// Agent (<c>winlog.*</c>), the evtx_dump layout (<c>Event.System</c>, <c>Event.EventData</c>), NXLog-style flat
/// documents (<c>EventID</c>, <c>Hostname</c>, data at the top level), or any object whose message field holds
/// a rendered Sysmon message (with <c>Get-WinEvent | ConvertTo-Json</c>'s record properties beside it). Structured fields always win over the message; collector-local times
/// (NXLog <c>EventTime</c>, flattened <c>TimeCreated</c>) are never taken for UTC.
/// </summary>
internal sealed class JsonEventLayouts(EventCatalogue catalogue)
{
    // Top-level keys of flat (NXLog / flattened) documents that are not EventData.
    private static readonly FrozenSet<string> FlatEnvelope = new[]
    {
        "EventTime", "EventReceivedTime", "Hostname", "HostName", "Keywords", "SeverityValue", "Severity",
        "SourceName", "ProviderGuid", "ProviderName", "EventID", "EventId", "Task", "TaskValue", "OpcodeValue", "Opcode",
        "RecordNumber", "EventRecordID", "ExecutionProcessID", "ExecutionThreadID", "ProcessID", "ThreadID", "Channel",
        "Category", "Message", "UserID", "AccountName", "Domain", "AccountType", "SourceModuleName", "SourceModuleType",
        "@timestamp", "@version", "host", "port", "tags", "TimeCreated", "Level", "LevelName", "type", "beat", "agent",
        "log", "ecs", "input", "fields", "ERROR_EVT_UNRESOLVED", "EventType", "Version",
        // An Elasticsearch hit's own members, beside its _source (JsonFields).
        "_index", "_type", "_id", "_score", "_version", "_seq_no", "_primary_term", "_routing", "_ignored", "sort",
    }.ToFrozenSet(StringComparer.Ordinal);

    // Values NXLog writes under its own EventType key (it collides with Sysmon's EventType).
    private static readonly FrozenSet<string> NxlogEventTypes =
        new[] { "INFO", "WARNING", "ERROR", "CRITICAL", "VERBOSE", "AUDIT_SUCCESS", "AUDIT_FAILURE" }.ToFrozenSet();

    private static readonly string[] MessageKeys = ["message", "Message", "line", "event.original"];

    public SysmonEvent? ToEvent(JsonFields f, out string? error)
    {
        error = null;
        if (f.HasPrefix("winlog.")) return FromBeats(f, out error);
        if (f.HasPrefix("Event.System.")) return FromEvtxDump(f, out error);
        if (f.Get("EventID") is not null || f.Get("EventId") is not null) return FromFlat(f, out error);
        return FromMessage(f, out error);
    }

    // A method of its own because of the closure over f: C# builds a captured parameter's closure when the method is
    // entered, so in ToEvent every Winlogbeat event paid for it (a profile's largest allocation on the reading side).
    private SysmonEvent? FromMessage(JsonFields f, out string? error)
    {
        error = null;
        // Get-WinEvent | ConvertTo-Json: EventLogRecord's properties beside the message (UserId is an object there).
        Func<string, string?> record = name => name == "UserId" ? f.Get("UserId.Value") ?? f.Get(name) : f.Get(name);
        foreach (var key in MessageKeys)
        {
            var message = f.Get(key);
            if (!RenderedMessageParser.LooksLikeMessage(message, catalogue)) continue;
            var e = RenderedMessageParser.TryParse(message!, catalogue, out error);
            if (e is null) return null;
            e.Message = message;
            e.Computer = f.Get("host.name") ?? f.Get("hostname") ?? f.GetIgnoreCase("Hostname") ?? f.Get("host");
            if (EventLogRecordProperties.Present(record))
            {
                if (EventLogRecordProperties.EventId(record) is { } stated && stated != e.EventId)
                {
                    error = $"Id says {stated}, the message is event {e.EventId}";
                    return null;
                }
                EventLogRecordProperties.ApplyTo(e, record);
            }
            return e;
        }
        if (EventLogRecordProperties.Present(record) && EventLogRecordProperties.IsForeign(record))
        {
            // Another log's record in the same export: an event without data, for the channel filter to count.
            var other = new SysmonEvent { EventId = EventLogRecordProperties.EventId(record) ?? 0, Message = f.Get("Message") };
            EventLogRecordProperties.ApplyTo(other, record);
            return other;
        }
        error = "JSON object is not a Sysmon event: no winlog.*, Event.System, EventID or rendered Sysmon message";
        return null;
    }

    private SysmonEvent? FromBeats(JsonFields f, out string? error)
    {
        error = null;
        var idText = f.Get("winlog.event_id") ?? f.Get("event.code");
        if (!TryInt(idText, out var id))
        {
            error = $"winlog.event_id '{idText}' is not a number";
            return null;
        }
        var e = new SysmonEvent
        {
            EventId = id,
            Provider = f.Get("winlog.provider_name") ?? f.Get("event.provider"),
            ProviderGuid = f.Get("winlog.provider_guid"),
            Channel = f.Get("winlog.channel"),
            Computer = f.Get("winlog.computer_name") ?? f.Get("host.name"),
            RecordId = Long(f.Get("winlog.record_id")),
            Version = Int(f.Get("winlog.version")),
            OpcodeName = f.Get("winlog.opcode"),
            TaskName = f.Get("winlog.task") ?? f.Get("event.action"),
            ExecutionProcessId = Long(f.Get("winlog.process.pid")),
            ExecutionThreadId = Long(f.Get("winlog.process.thread.id")),
            UserSid = f.Get("winlog.user.identifier"),
            LevelName = f.Get("log.level") ?? f.Get("winlog.level"),
            Keywords = f.Get("winlog.keywords"),
            Message = f.Get("message"),
            Shipper = Shipper(f, out var mapped),
        };
        // Winlogbeat's @timestamp is TimeCreated (UTC); winlog.time_created when the XML path was used.
        if (SysmonTime.TryParseSystemTime(f.Get("winlog.time_created") ?? f.Get("@timestamp"), out var created))
        {
            e.TimeCreated = created;
        }
        const string prefix = "winlog.event_data.";
        var pairs = f.Pairs;
        for (var i = 0; i < pairs.Count; i++)
        {
            if (pairs[i].Key.StartsWith(prefix, StringComparison.Ordinal)) e.Data.Add(new(f.PathAfter(i, prefix.Length), pairs[i].Value));
        }
        if (mapped)
        {
            // What the pipeline took out of event_data: first as Sysmon rendered it (Elastic keeps the message), the
            // rest from the fields it was mapped to.
            MergeFromMessage(e, e.Message);
            MappedEventData.Recover(e, f, catalogue);
        }
        if (e.Data.Count == 0) FillFromMessage(e, e.Message);
        return e;
    }

    private static SysmonEvent? FromEvtxDump(JsonFields f, out string? error)
    {
        error = null;
        var idText = f.Get("Event.System.EventID") ?? f.Get("Event.System.EventID.#text");
        if (!TryInt(idText, out var id))
        {
            error = $"Event.System.EventID '{idText}' is not a number";
            return null;
        }
        var e = new SysmonEvent
        {
            EventId = id,
            Provider = f.Get("Event.System.Provider.#attributes.Name"),
            ProviderGuid = Braced(f.Get("Event.System.Provider.#attributes.Guid")),
            Channel = f.Get("Event.System.Channel"),
            Computer = f.Get("Event.System.Computer"),
            RecordId = Long(f.Get("Event.System.EventRecordID")),
            Version = Int(f.Get("Event.System.Version")),
            Level = Int(f.Get("Event.System.Level")),
            Task = Int(f.Get("Event.System.Task")),
            Opcode = Int(f.Get("Event.System.Opcode")),
            Keywords = f.Get("Event.System.Keywords"),
            ExecutionProcessId = Long(f.Get("Event.System.Execution.#attributes.ProcessID")),
            ExecutionThreadId = Long(f.Get("Event.System.Execution.#attributes.ThreadID")),
            UserSid = f.Get("Event.System.Security.#attributes.UserID"),
        };
        if (SysmonTime.TryParseSystemTime(f.Get("Event.System.TimeCreated.#attributes.SystemTime"), out var created))
        {
            e.TimeCreated = created;
        }
        foreach (var kv in f.Pairs)
        {
            var key = kv.Key;
            string? name = null;
            if (key.StartsWith("Event.EventData.", StringComparison.Ordinal)) name = key["Event.EventData.".Length..];
            else if (key.StartsWith("Event.UserData.", StringComparison.Ordinal)) name = key[(key.LastIndexOf('.') + 1)..];
            if (name is null || name.StartsWith("#attributes", StringComparison.Ordinal)) continue;
            // evtx_dump writes GUID values without braces; the other forms (and Windows) have them.
            var value = name.EndsWith("Guid", StringComparison.OrdinalIgnoreCase) ? Braced(kv.Value)! : kv.Value;
            e.Data.Add(new(name, value));
        }
        return e;
    }

    private SysmonEvent? FromFlat(JsonFields f, out string? error)
    {
        error = null;
        var idText = f.Get("EventID") ?? f.Get("EventId");
        if (!TryInt(idText, out var id))
        {
            error = $"EventID '{idText}' is not a number";
            return null;
        }
        var def = catalogue.Find(id);
        var message = f.Get("Message");
        var e = new SysmonEvent
        {
            EventId = id,
            Provider = f.Get("SourceName") ?? f.Get("ProviderName"),
            ProviderGuid = f.Get("ProviderGuid"),
            Channel = f.Get("Channel"),
            Computer = f.GetIgnoreCase("Hostname"),
            RecordId = Long(f.Get("RecordNumber") ?? f.Get("EventRecordID")),
            Version = Int(f.Get("Version")),
            Level = Int(f.Get("Level")),
            LevelName = NxlogSeverity(f.Get("Severity")),
            TaskName = f.Get("Category"),
            OpcodeName = f.Get("Opcode") is { } op && !TryInt(op, out _) ? op : null,
            ExecutionProcessId = Long(f.Get("ExecutionProcessID") ?? f.Get("ProcessID")),
            ExecutionThreadId = Long(f.Get("ExecutionThreadID") ?? f.Get("ThreadID")),
            UserSid = f.Get("UserID"),
            Keywords = f.Get("Keywords"),
            Message = message,
        };
        // Last resort only (never for Sysmon events, which carry UtcTime): the shipper's time, else the
        // collector's local time taken as if it were UTC; the mapper tags documents that use it.
        if (SysmonTime.TryParseSystemTime(f.Get("@timestamp") ?? f.Get("TimeCreated") ?? f.Get("EventTime"), out var observed))
        {
            e.ObservedTime = observed;
        }
        var isSysmon = def is not null && (e.Provider is null || e.Provider.Contains("Sysmon", StringComparison.OrdinalIgnoreCase));
        if (isSysmon)
        {
            // EventData in manifest order, then any field a newer Sysmon added (not an envelope key).
            foreach (var name in def!.Fields)
            {
                if (f.Get(name) is { } v) e.Data.Add(new(name, v));
            }
            foreach (var kv in f.Pairs)
            {
                if (!kv.Key.Contains('.') && !FlatEnvelope.Contains(kv.Key) && !def.HasField(kv.Key)) e.Data.Add(kv);
            }
            ResolveCollisions(e, def, message);
        }
        else
        {
            foreach (var kv in f.Pairs)
            {
                if (!kv.Key.Contains('.') && !FlatEnvelope.Contains(kv.Key)) e.Data.Add(kv);
            }
        }
        if (e.Data.Count == 0) FillFromMessage(e, message);
        return e;
    }

    // NXLog's own keys collide with Sysmon's (case-insensitively): ProcessId is lost to ProcessID, EventType and
    // Version carry NXLog's values. The message, rendered from the same event, has the Sysmon values.
    private void ResolveCollisions(SysmonEvent e, EventDefinition def, string? message)
    {
        var needsMessage = (def.HasField("ProcessId") && !e.HasData("ProcessId")) ||
                           def.HasField("EventType") || (def.Id == 4 && def.HasField("Version"));
        if (!needsMessage || message is null) return;
        var parsed = RenderedMessageParser.TryParse(message, catalogue, out _);
        if (parsed is null || parsed.EventId != e.EventId) return;
        foreach (var name in (ReadOnlySpan<string>)["ProcessId", "EventType", "Version"])
        {
            if (!def.HasField(name) || parsed.GetData(name) is not { } fromMessage) continue;
            var structured = e.GetData(name);
            if (structured is null || (name == "EventType" && NxlogEventTypes.Contains(structured)) || name == "Version")
            {
                e.SetData(name, fromMessage);
            }
        }
        if (e.Data.Count > 0) ReorderByManifest(e, def);
    }

    private static void ReorderByManifest(SysmonEvent e, EventDefinition def)
    {
        var ordered = e.Data.OrderBy(kv =>
        {
            var i = IndexOf(def.Fields, kv.Key);
            return i < 0 ? int.MaxValue : i;
        }).ToList();
        e.Data.Clear();
        e.Data.AddRange(ordered);
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == value) return i;
        }
        return -1;
    }

    private void FillFromMessage(SysmonEvent e, string? message)
    {
        if (message is null) return;
        var parsed = RenderedMessageParser.TryParse(message, catalogue, out _);
        if (parsed is null) return;
        e.Data.AddRange(parsed.Data);
        e.DataFromMessage = true;
    }

    // The shipper's host.id and agent.*, and whether an ECS pipeline for Sysmon may have mapped the document already
    // (event.module sysmon, or event.dataset windows.sysmon_operational), in one pass over the pairs: a lookup each (six scans of ~50 pairs) cost 5-10% of
    // converting Winlogbeat lines that had none of them.
    private static ShipperIdentity? Shipper(JsonFields f, out bool mapped)
    {
        string? hostId = null, agentId = null, agentName = null, agentType = null, agentVersion = null;
        mapped = false;
        foreach (var (key, value) in f.Pairs)
        {
            switch (key.Length > 6 ? key[0] : '\0')
            {
                case 'a' when key.StartsWith("agent.", StringComparison.Ordinal):
                    switch (key)
                    {
                        case "agent.id": agentId = value; break;
                        case "agent.name": agentName = value; break;
                        case "agent.type": agentType = value; break;
                        case "agent.version": agentVersion = value; break;
                    }
                    break;
                case 'h' when key == "host.id":
                    hostId = value;
                    break;
                // Winlogbeat's sysmon module and this tool set event.module; Elastic Agent's windows integration the dataset.
                case 'e' when key == "event.module":
                    mapped |= value == Names.EventModule;
                    break;
                case 'e' when key == "event.dataset":
                    mapped |= value == Names.EventDataset;
                    break;
            }
        }
        return ShipperIdentity.Of(hostId, agentId, agentName, agentType, agentVersion);
    }

    private void MergeFromMessage(SysmonEvent e, string? message)
    {
        if (!RenderedMessageParser.LooksLikeMessage(message, catalogue)) return;
        if (RenderedMessageParser.TryParse(message!, catalogue, out _) is not { } parsed || parsed.EventId != e.EventId) return;
        foreach (var kv in parsed.Data)
        {
            if (e.GetData(kv.Key) is null) e.Data.Add(kv);
        }
    }

    // NXLog's Severity names the Windows level in its own words.
    private static string? NxlogSeverity(string? severity) => severity?.ToUpperInvariant() switch
    {
        "INFO" => "information",
        "WARNING" => "warning",
        "ERROR" => "error",
        "CRITICAL" => "critical",
        "DEBUG" or "VERBOSE" => "verbose",
        _ => null,
    };

    private static string? Braced(string? guid) =>
        guid is { Length: 36 } && Guid.TryParseExact(guid, "D", out _) ? "{" + guid + "}" : guid;

    private static bool TryInt(string? s, out int value) =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    private static int? Int(string? s) => TryInt(s, out var v) ? v : null;

    private static long? Long(string? s) =>
        long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
}
