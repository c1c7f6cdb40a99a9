using System.Globalization;

namespace Sysmon.Ingest.Events;

/// <summary>
/// The properties of .NET's <c>EventLogRecord</c>, as PowerShell's <c>Get-WinEvent</c> exports them (<c>Export-Csv</c>
/// columns, <c>ConvertTo-Json</c> keys): Id, RecordId, MachineName, LogName, ProviderName, ProviderId, Version, Level,
/// Task, Opcode, Keywords, ProcessId, ThreadId, UserId and the display names. They carry what a rendered message
/// lacks, the record id and computer above all, so such an export's event gets the same document id as the .evtx's.
/// TimeCreated is read only where it is absolute (<see cref="Created"/>): Export-Csv writes the exporting machine's
/// local time in its culture's format, which names no zone.
/// </summary>
public static class EventLogRecordProperties
{
    /// <summary>True when <paramref name="value"/> knows any of the properties that identify a record.</summary>
    public static bool Present(Func<string, string?> value) => value("RecordId") is not null || value("MachineName") is not null;

    /// <summary>The event id the record states, or null.</summary>
    public static int? EventId(Func<string, string?> value) =>
        int.TryParse(value("Id"), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>True when the record names a log or provider other than Sysmon's.</summary>
    public static bool IsForeign(Func<string, string?> value) =>
        value("LogName") is { } log
            ? !log.Equals(Names.SysmonChannel, StringComparison.OrdinalIgnoreCase) && !log.Equals(Names.LinuxSysmonChannel, StringComparison.OrdinalIgnoreCase)
            : value("ProviderName") is { } provider && !provider.Contains("Sysmon", StringComparison.OrdinalIgnoreCase);

    /// <summary>Copies the properties <paramref name="value"/> gives (null: absent or empty) into <paramref name="e"/>.</summary>
    public static void ApplyTo(SysmonEvent e, Func<string, string?> value)
    {
        e.Channel = value("LogName") ?? e.Channel;
        e.Provider = value("ProviderName") ?? e.Provider;
        e.Computer = value("MachineName") ?? e.Computer;
        if (value("ProviderId") is { } guid && Guid.TryParse(guid, out var g)) e.ProviderGuid = g.ToString("B");
        if (Long(value("RecordId")) is { } record) e.RecordId = record;
        if (Long(value("Version")) is { } version) e.Version = (int)version;
        if (Long(value("Level")) is { } level) e.Level = (int)level;
        if (Long(value("Task")) is { } task) e.Task = (int)task;
        if (Long(value("Opcode")) is { } opcode) e.Opcode = (int)opcode;
        // Keywords is a signed long: 0x8000000000000000 (Sysmon's) prints as -9223372036854775808.
        if (Long(value("Keywords"), NumberStyles.AllowLeadingSign) is { } keywords) e.Keywords = $"0x{unchecked((ulong)keywords):x}";
        if (Long(value("ProcessId")) is { } pid) e.ExecutionProcessId = pid;
        if (Long(value("ThreadId")) is { } tid) e.ExecutionThreadId = tid;
        if (value("UserId") is { } sid && sid.StartsWith("S-1-", StringComparison.Ordinal)) e.UserSid = sid;
        e.LevelName = value("LevelDisplayName") ?? e.LevelName;
        e.OpcodeName = value("OpcodeDisplayName") ?? e.OpcodeName;
        e.TaskName = value("TaskDisplayName") ?? e.TaskName;
        if (Created(value("TimeCreated")) is { } created) e.TimeCreated = created;
    }

    /// <summary>TimeCreated in the forms that name an instant: Windows PowerShell's ConvertTo-Json <c>/Date(ms)/</c>
    /// (milliseconds since 1970 UTC; an offset after them, which some serializers add, does not change the instant)
    /// and ISO 8601 with a zone (PowerShell 7's ConvertTo-Json). Anything else, a local time above all, is null.</summary>
    public static DateTimeOffset? Created(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var t = text.AsSpan();
        if (t.StartsWith("/Date(") && t.EndsWith(")/"))
        {
            var inner = t["/Date(".Length..^2];
            var end = inner.Length > 1 ? inner[1..].IndexOfAny('+', '-') : -1; // the sign of a negative time is not an offset
            var ms = end < 0 ? inner : inner[..(end + 1)];
            return long.TryParse(ms, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var unix) &&
                   unix is >= -62135596800000 and <= 253402300799999
                ? DateTimeOffset.FromUnixTimeMilliseconds(unix)
                : null;
        }
        var zoned = t.Length > 19 && t[10] == 'T' && (t[^1] == 'Z' || (t.Length > 25 && t[^3] == ':' && t[^6] is '+' or '-'));
        return zoned && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var iso) ? iso : null;
    }

    private static long? Long(string? s, NumberStyles styles = NumberStyles.None) =>
        long.TryParse(s, styles, CultureInfo.InvariantCulture, out var v) ? v : null;
}
