namespace Sysmon.Stores.DuckDb.Schema;

/// <summary>One column of the events table: its ECS name (the column is named by the dotted field), type and kind.</summary>
public sealed record EventColumn(string Name, string SqlType, ColumnKind Kind, string? Source = null)
{
    /// <summary>The ECS field the value comes from (the column's own name unless stated).</summary>
    public string Field => Source ?? Name;
    public string Quoted => "\"" + Name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

/// <summary>
/// The events table: every field the mapper emits is a column named by its dotted ECS name, typed for
/// filtering and grouping (TIMESTAMP, BIGINT, BOOLEAN, VARCHAR[]); objects and maps are JSON columns
/// (query them with ->>), and the whole document is kept in "doc".
/// </summary>
public static class EventColumns
{
    private static readonly string[] TextFields =
    [
        "event.code", "event.kind", "event.action", "event.provider", "event.dataset", "event.module", "ecs.version",
        "log.level", "log.file.path", "host.name", "rule.name", "error.code", "error.message", "message",
        "process.entity_id", "process.executable", "process.name", "process.command_line", "process.working_directory",
        "process.hash.md5", "process.hash.sha1", "process.hash.sha256", "process.pe.imphash", "process.pe.original_file_name",
        "process.pe.company", "process.pe.description", "process.pe.file_version", "process.pe.product",
        "process.parent.entity_id", "process.parent.executable", "process.parent.name", "process.parent.command_line",
        "user.id", "user.name", "user.domain",
        "source.ip", "source.domain", "destination.ip", "destination.domain",
        "network.transport", "network.protocol", "network.direction", "network.type", "network.community_id",
        "dns.question.name", "dns.question.registered_domain", "dns.question.subdomain", "dns.question.top_level_domain",
        "sysmon.dns.status",
        "file.path", "file.name", "file.directory", "file.extension", "file.hash.md5", "file.hash.sha1", "file.hash.sha256",
        "file.pe.imphash", "file.pe.original_file_name", "file.pe.company", "file.pe.description", "file.pe.file_version",
        "file.pe.product", "file.code_signature.subject_name", "file.code_signature.status",
        "dll.path", "dll.name", "dll.hash.md5", "dll.hash.sha1", "dll.hash.sha256", "dll.pe.imphash",
        "dll.pe.original_file_name", "dll.code_signature.status",
        "registry.path", "registry.hive", "registry.key", "registry.value", "registry.data.type",
        "url.domain", "url.full",
        "winlog.channel", "winlog.computer_name", "winlog.event_id", "winlog.provider_name", "winlog.provider_guid",
        "winlog.record_id", "winlog.opcode", "winlog.task", "winlog.keywords", "winlog.api", "winlog.user.identifier",
        "event.original",
    ];

    private static readonly string[] LongFields =
    [
        "log.offset", "process.pid", "process.args_count", "process.thread.id", "process.parent.pid",
        "process.parent.args_count", "source.port", "destination.port", "winlog.version", "winlog.process.pid",
        "winlog.process.thread.id",
    ];

    private static readonly string[] BoolFields = ["file.code_signature.valid", "sysmon.file.archived", "sysmon.file.is_executable"];

    private static readonly string[] ListFields =
    [
        "event.category", "event.type", "process.args", "process.parent.args", "dns.resolved_ip", "registry.data.strings",
        "related.ip", "related.user", "related.hash", "related.hosts", "tags",
    ];

    private static readonly string[] JsonFields = ["winlog.event_data", "dns.answers", "threat.enrichments"];

    public static IReadOnlyList<EventColumn> All { get; } = Build();

    private static List<EventColumn> Build()
    {
        var columns = new List<EventColumn>
        {
            new("id", "VARCHAR PRIMARY KEY", ColumnKind.Id, "event.id"),
            new("@timestamp", "TIMESTAMP NOT NULL", ColumnKind.Time),
            new("event.created", "TIMESTAMP", ColumnKind.Time),
        };
        columns.AddRange(TextFields.Select(f => new EventColumn(f, "VARCHAR", ColumnKind.Text)));
        columns.AddRange(LongFields.Select(f => new EventColumn(f, "BIGINT", ColumnKind.Long)));
        columns.AddRange(BoolFields.Select(f => new EventColumn(f, "BOOLEAN", ColumnKind.Bool)));
        columns.AddRange(ListFields.Select(f => new EventColumn(f, "VARCHAR[]", ColumnKind.List)));
        columns.AddRange(JsonFields.Select(f => new EventColumn(f, "JSON", ColumnKind.Json)));
        columns.Add(new EventColumn("source.ip_num", "UHUGEINT", ColumnKind.IpNumber, "source.ip"));
        columns.Add(new EventColumn("destination.ip_num", "UHUGEINT", ColumnKind.IpNumber, "destination.ip"));
        columns.Add(new EventColumn("doc", "JSON NOT NULL", ColumnKind.Document));
        return columns;
    }

    /// <summary>True when the document field <paramref name="path"/> has a column of its own or lives in a JSON column.</summary>
    public static bool Covers(string path) =>
        All.Any(c => c.Field == path && c.Kind != ColumnKind.IpNumber) ||
        JsonFields.Any(j => path.StartsWith(j + ".", StringComparison.Ordinal)) || path == "event.id";
}
