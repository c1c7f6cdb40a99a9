using System.Collections.Frozen;
using Sysmon.Ingest.Ecs;
using Sysmon.Queries;

namespace Sysmon.Stores.DuckDb.Schema;

/// <summary>One column of the events table: its ECS name (the column is named by the dotted field), type and kind.</summary>
public sealed record EventColumn(string Name, string SqlType, ColumnKind Kind, string? Source = null)
{
    /// <summary>The ECS field the value comes from (the column's own name unless stated).</summary>
    public string Field => Source ?? Name;
    public string Quoted => "\"" + Name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

/// <summary>
/// The events table and its view. The fields used for filtering and grouping are typed columns named by their
/// dotted ECS name (TIMESTAMP, BIGINT, BOOLEAN, VARCHAR[], UHUGEINT numbers beside IPs); "doc" holds every other
/// field, so columns and doc together are the whole document (half the bytes of storing it whole beside the
/// columns, which measured 2.3x slower to load). The view <c>events_ecs</c> adds each field of doc as a column of
/// the same dotted name; the view <c>events_documents</c> puts whole documents back together.
/// </summary>
public static class EventColumns
{
    private static readonly string[] StoredText =
    [
        "event.code", "event.action", "host.name", "user.name", "user.domain",
        "process.entity_id", "process.executable", "process.name", "process.command_line",
        "process.hash.md5", "process.hash.sha1", "process.hash.sha256",
        "process.parent.entity_id", "process.parent.executable", "process.parent.name", "process.parent.command_line",
        "source.ip", "destination.ip", "destination.domain", "network.transport", "network.direction",
        "dns.question.name", "dns.question.registered_domain", "file.path", "file.name", "file.hash.sha256",
        "dll.hash.sha256", "registry.path", "url.domain", "winlog.channel", "winlog.record_id", "log.file.path",
        // Schema 5: what a shipper (Winlogbeat, Elastic Agent) said of the host and itself. host.id is stored only when it
        // is the shipper's own (EventLoadFile leaves the computer name out; the views put it back). Columns, not doc:
        // a UUID or two per event in doc made a 1M-event Winlogbeat store 25% larger, a column of 100 hosts' ids next to nothing.
        "host.id", "agent.id", "agent.name", "agent.type", "agent.version",
    ];

    private static readonly string[] StoredLong = ["process.pid", "process.parent.pid", "source.port", "destination.port", "log.offset"];

    private static readonly string[] StoredList = ["event.category", "related.ip", "related.hash", "related.user"];

    // Everything else the mapper emits: columns of the events_ecs view, read from doc.
    private static readonly (string Field, string Type)[] ViewFields =
    [
        .. Of("VARCHAR",
            "event.kind", "event.provider", "event.dataset", "event.module", "event.id", "ecs.version", "log.level",
            "rule.name", "error.code", "error.message", "message", "process.working_directory",
            "process.pe.imphash", "process.pe.original_file_name", "process.pe.company", "process.pe.description",
            "process.pe.file_version", "process.pe.product", "user.id", "source.domain", "network.protocol", "network.type",
            "network.community_id", "dns.question.subdomain", "dns.question.top_level_domain", "sysmon.dns.status",
            "file.directory", "file.extension", "file.hash.md5", "file.hash.sha1", "file.pe.imphash",
            "file.pe.original_file_name", "file.pe.company", "file.pe.description", "file.pe.file_version", "file.pe.product",
            "file.code_signature.subject_name", "file.code_signature.status", "dll.path", "dll.name", "dll.hash.md5",
            "dll.hash.sha1", "dll.pe.imphash", "dll.pe.original_file_name", "dll.code_signature.status", "registry.hive",
            "registry.key", "registry.value", "registry.data.type", "url.full", "winlog.computer_name", "winlog.event_id",
            "winlog.provider_name", "winlog.provider_guid", "winlog.opcode", "winlog.task", "winlog.keywords", "winlog.api",
            "winlog.user.identifier", "event.original"),
        .. Of("BIGINT", "process.args_count", "process.thread.id", "process.parent.args_count", "winlog.version",
            "winlog.process.pid", "winlog.process.thread.id"),
        .. Of("BOOLEAN", "file.code_signature.valid", "sysmon.file.archived", "sysmon.file.is_executable"),
        .. Of("TIMESTAMP", "event.created"),
        .. Of("VARCHAR[]", "event.type", "process.args", "process.parent.args", "dns.resolved_ip", "registry.data.strings",
            "related.hosts", "tags"),
        .. Of("JSON", "winlog.event_data", "dns.answers"),
    ];

    // host.os.*, which the mapper sets from the channel (Linux-Sysmon: linux; anything else: windows), and host.id, the
    // computer name, are computed again by the views from winlog.channel and host.name instead of being kept in each
    // doc: three constant strings made a 1M-event store 7% larger. The rule must stay the one in
    // EcsMapper.SetHostFields; a test compares the two.
    private static readonly string LinuxChannel = $"lower(\"winlog.channel\") = '{Sysmon.Ingest.Names.LinuxSysmonChannel.ToLowerInvariant()}'";

    // host.id is stored only when a shipper gave its own (see StoredText); otherwise the computer name stands in.
    private static readonly (string Field, string Sql)[] DerivedFields =
    [
        ("host.id", "coalesce(\"host.id\", \"host.name\")"),
        ("host.os.type", $"CASE WHEN {LinuxChannel} THEN 'linux' ELSE 'windows' END"),
        ("host.os.family", $"CASE WHEN {LinuxChannel} THEN NULL ELSE 'windows' END"),
        ("host.os.platform", $"CASE WHEN {LinuxChannel} THEN NULL ELSE 'windows' END"),
    ];

    // data_stream.*: the parts of the Elasticsearch data stream these events go to, which its index template maps as
    // constants (logs-sysmon.json), so that a query grouping by data_stream.namespace, as Elastic's rules do, answers
    // here as there. In the views only: they are no part of an event's document.
    private static readonly (string Field, string Sql)[] StreamFields = StreamParts(Sysmon.Ingest.Names.EventsDataStream);

    private static (string, string)[] StreamParts(string stream)
    {
        var first = stream.IndexOf('-', StringComparison.Ordinal);
        var last = stream.LastIndexOf('-');
        return
        [
            ("data_stream.type", $"'{stream[..first]}'"),
            ("data_stream.dataset", $"'{stream[(first + 1)..last]}'"),
            ("data_stream.namespace", $"'{stream[(last + 1)..]}'"),
        ];
    }

    /// <summary><see cref="ColumnOf"/>'s answer for a field the views compute (it is left out of doc).</summary>
    public const int Derived = -2;


    // The derived fields that are not also a stored column, added to the views; those that are (host.id) replace it.
    private static string DerivedColumns => string.Concat(DerivedFields.Concat(StreamFields).Where(d => !StoredFields.ContainsKey(d.Field))
        .Select(d => $",\n  {d.Sql} AS \"{d.Field}\""));

    private static string ReplacedColumns => " REPLACE (" + string.Join(", ", DerivedFields.Where(d => StoredFields.ContainsKey(d.Field))
        .Select(d => $"{d.Sql} AS \"{d.Field}\"")) + ")";

    private static IEnumerable<(string, string)> Of(string type, params string[] fields) => fields.Select(f => (f, type));

    /// <summary>The stored columns of the events table, in table order.</summary>
    public static IReadOnlyList<EventColumn> All { get; } = Build();

    private static List<EventColumn> Build()
    {
        var columns = new List<EventColumn>
        {
            // No primary key: its index lives in memory and grows with the store; loads skip stored ids themselves.
            new("id", "VARCHAR NOT NULL", ColumnKind.Id, "event.id"),
            new("@timestamp", "TIMESTAMP NOT NULL", ColumnKind.Time),
        };
        columns.AddRange(StoredText.Select(f => new EventColumn(f, "VARCHAR", ColumnKind.Text)));
        columns.AddRange(StoredLong.Select(f => new EventColumn(f, "BIGINT", ColumnKind.Long)));
        columns.AddRange(StoredList.Select(f => new EventColumn(f, "VARCHAR[]", ColumnKind.List)));
        columns.Add(new EventColumn("threat.enrichments", "JSON", ColumnKind.Json));
        columns.Add(new EventColumn(IpNumbers.TwinOf("source.ip"), "UHUGEINT", ColumnKind.IpNumber, "source.ip"));
        columns.Add(new EventColumn(IpNumbers.TwinOf("destination.ip"), "UHUGEINT", ColumnKind.IpNumber, "destination.ip"));
        columns.Add(new EventColumn("doc", "JSON NOT NULL", ColumnKind.Document));
        return columns;
    }

    /// <summary>The fields held by a column of their own, and so left out of "doc" (event.id stays in it: the
    /// view reads it from there), each with its column's position in <see cref="All"/>.</summary>
    public static FrozenDictionary<string, int> StoredFields { get; } = All
        .Select((c, i) => (Column: c, Index: i))
        .Where(x => x.Column.Kind is ColumnKind.Text or ColumnKind.Long or ColumnKind.Bool or ColumnKind.Time or ColumnKind.List or ColumnKind.Json)
        .ToFrozenDictionary(x => x.Column.Field, x => x.Index, StringComparer.Ordinal);

    private static readonly PathMemo<int> ColumnOfPath = new();

    /// <summary>The position in <see cref="All"/> of the column holding <paramref name="path"/>, or -1: a lookup in
    /// <see cref="StoredFields"/>, remembered by the path object (asked for every field of every event).</summary>
    public static int ColumnOf(string path)
    {
        if (ColumnOfPath.TryGet(path, out var column)) return column;
        column = ColumnOfText(path);
        ColumnOfPath.Set(path, column);
        return column;
    }

    // Apart from ColumnOf because of the closure over path: C# builds a captured parameter's closure on entering the
    // method, so a lookup the memo answers paid for one (24 bytes for each field of each event written).
    private static int ColumnOfText(string path) =>
        StoredFields.TryGetValue(path, out var c) ? c : Array.Exists(DerivedFields, d => d.Field == path) ? Derived : -1;

    /// <summary>The view that shows every field by its dotted name: the stored columns plus the rest, from doc, each
    /// read by a path of its own, so that a query pays only for the fields it uses.</summary>
    public static string CreateView(string view, string table) =>
        $"CREATE OR REPLACE VIEW {view} AS SELECT *{ReplacedColumns},\n  " +
        string.Join(",\n  ", ViewFields.Select(f => ViewColumn(f.Field, f.Type, f.Type is "JSON" or "VARCHAR[]" ? $"doc->'$.{f.Field}'" : $"doc->>'$.{f.Field}'"))) +
        DerivedColumns + $"\nFROM {table}";

    /// <summary>The same columns as <see cref="CreateView"/>, for reading whole rows: doc is parsed twice per row, once for
    /// the text fields and once for the JSON ones, each a list of paths.</summary>
    /// <remarks>DuckDB keeps each JSON function's parse of a whole vector until the vector is done: the 79 paths of
    /// events_ecs, read at once, needed 1.5 GB for 1,972 corpus events (FROM logs-sysmon-* failed under the store's 256 MB).
    /// Reading a field or two, this view costs twice as much (all the text fields are extracted), so queries use it
    /// only to show many fields (see SourceTable.WholeRowsTable).</remarks>
    public static string CreateWholeRowsView(string view, string table)
    {
        var text = ViewFields.Where(f => !IsJsonShaped(f.Type)).ToList();
        var json = ViewFields.Where(f => IsJsonShaped(f.Type)).ToList();
        var columns = ViewFields.Select(f => IsJsonShaped(f.Type)
            ? ViewColumn(f.Field, f.Type, $"{JsonFields}[{json.IndexOf(f) + 1}]")
            : ViewColumn(f.Field, f.Type, $"{TextFields}[{text.IndexOf(f) + 1}]"));
        return $"CREATE OR REPLACE VIEW {view} AS SELECT * EXCLUDE ({TextFields}, {JsonFields}){ReplacedColumns},\n  " + string.Join(",\n  ", columns) + DerivedColumns +
               $"\nFROM (SELECT *, json_extract_string(doc, [{Paths(text)}]) AS {TextFields}, json_extract(doc, [{Paths(json)}]) AS {JsonFields} FROM {table})";
    }

    /// <summary>The fields of the views that are read from doc.</summary>
    public static IReadOnlyList<string> DocFields { get; } = [.. ViewFields.Select(f => f.Field)];

    // The lists of doc's values, internal to the view.
    private const string TextFields = "doc_text_values";
    private const string JsonFields = "doc_json_values";

    private static bool IsJsonShaped(string type) => type is "JSON" or "VARCHAR[]";

    private static string Paths(IEnumerable<(string Field, string Type)> fields) => string.Join(", ", fields.Select(f => "'$." + f.Field + "'"));

    /// <summary>The whole ECS document of each event, built on the fly from its columns and doc: meant for a few rows
    /// at a time (an export, one event's detail), as building it takes ~100 KB of DuckDB working memory per row.</summary>
    public static string CreateDocumentsView(string view, string table) =>
        $"CREATE OR REPLACE VIEW {view} AS SELECT id, \"@timestamp\", \"host.name\", {DocumentSql} AS document FROM {table}";

    /// <summary>The SQL of a row's whole document, over the events table's columns (or a view's that has them and doc):
    /// the documents view, and ES|QL's METADATA _source.</summary>
    public static string DocumentSql { get; } = DocumentExpression();

    // The whole document: doc merged, in one json_merge_patch, with one patch per parent path holding that path's
    // stored columns. A patch whose columns are all NULL is an empty object (no change), so no empty parent appears;
    // a NULL member of a patch removes nothing, doc never holds a stored field. (One nested merge per column, as
    // first written, needed over 240 MB for 2,000 rows.)
    private static string DocumentExpression()
    {
        var patches = All.Where(c => c.Kind is not (ColumnKind.IpNumber or ColumnKind.Id or ColumnKind.Document))
            .GroupBy(c => c.Field.Contains('.', StringComparison.Ordinal) ? c.Field[..c.Field.LastIndexOf('.')] : "")
            .Select(group =>
            {
                // A struct serialised once by to_json: json_object would write and re-parse text at every level.
                var value = "{" + string.Join(", ", group.Select(c => $"'{c.Field[(c.Field.LastIndexOf('.') + 1)..]}': {LeafExpression(c)}")) + "}";
                if (group.Key.Length > 0)
                {
                    foreach (var segment in group.Key.Split('.').Reverse()) value = $"{{'{segment}': {value}}}";
                }
                var allNull = string.Join(" AND ", group.Select(c => $"{c.Quoted} IS NULL"));
                return $"CASE WHEN {allNull} THEN '{{}}'::JSON ELSE to_json({value}) END";
            });
        // The derived host fields: host.os.type is always there, family and platform only for Windows, host.id where
        // host.name is (a NULL member removes nothing).
        patches = patches.Append($"to_json({Nested(DerivedFields, "")})");
        return $"json_merge_patch(doc, {string.Join(", ", patches)})";
    }

    // A DuckDB struct literal holding each field's SQL at its dotted path: {'host': {'id': …, 'os': {'type': …}}}.
    private static string Nested(IEnumerable<(string Field, string Sql)> fields, string prefix)
    {
        var members = fields.Where(f => f.Field.StartsWith(prefix, StringComparison.Ordinal))
            .GroupBy(f => f.Field[prefix.Length..].Split('.')[0])
            .Select(g => g.Count() == 1 && g.First().Field == prefix + g.Key
                ? $"'{g.Key}': {g.First().Sql}"
                : $"'{g.Key}': {Nested(g, prefix + g.Key + ".")}");
        return "{" + string.Join(", ", members) + "}";
    }

    private static string LeafExpression(EventColumn c) => c.Kind switch
    {
        ColumnKind.Time => $"strftime({c.Quoted}, '%Y-%m-%dT%H:%M:%S.%gZ')",
        ColumnKind.Json => $"{c.Quoted}::JSON",
        _ => c.Quoted,
    };

    // One field of a view from doc: a path of its own, or an element of the lists above (text for scalars, JSON for
    // lists and objects).
    private static string ViewColumn(string field, string type, string element)
    {
        var expression = type switch
        {
            "VARCHAR" or "JSON" => element,
            "VARCHAR[]" => $"CAST({element} AS VARCHAR[])",
            _ => $"TRY_CAST({element} AS {type})",
        };
        return $"{expression} AS \"{field}\"";
    }

    /// <summary>True when the document field <paramref name="path"/> is a column of the table or of the view.</summary>
    public static bool Covers(string path) =>
        All.Any(c => c.Field == path && c.Kind != ColumnKind.IpNumber) || ViewFields.Any(f => f.Field == path) ||
        Array.Exists(DerivedFields, d => d.Field == path) ||
        ViewFields.Any(f => f.Type == "JSON" && path.StartsWith(f.Field + ".", StringComparison.Ordinal));
}
