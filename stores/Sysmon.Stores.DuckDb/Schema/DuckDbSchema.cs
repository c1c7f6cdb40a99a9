using System.Globalization;
using DuckDB.NET.Data;
using Sysmon.Ingest;

namespace Sysmon.Stores.DuckDb.Schema;

/// <summary>
/// Creates the embedded store's tables (names in architecture.md) and records the schema version. A file written
/// by an older version is migrated; one written by a newer version is refused with what to do.
/// </summary>
public static class DuckDbSchema
{
    public const string EventsView = "events_ecs";
    public const string DocumentsView = "events_documents";
    public const string WholeRowsView = "events_ecs_rows";

    public const int CurrentVersion = 5;

    /// <summary>The indicators pending their feed's retro-hunt, each a copy of what the hunt reads (internal to this store,
    /// like feed_state).</summary>
    public const string RetroHuntPendingTable = "retro_hunt_pending";

    public static string CreateEventsTable(string name) =>
        $"CREATE TABLE IF NOT EXISTS {name} (\n  " + string.Join(",\n  ", EventColumns.All.Select(c => $"{c.Quoted} {c.SqlType}")) + "\n)";

    /// <summary>The alerts table. No primary key: DuckDB holds a key's index in memory, and at 380,749 alerts it took
    /// 58 MB of the 128 MB a load may use, so the loads after it ran out of memory and ran again under the store's own
    /// limit (1M events ingested at 504 MB). A repeated alert is left out by its id when written instead. Schema 2's
    /// whole alert as JSON (doc) is gone too: it repeated the columns, and rows stay in memory until a checkpoint.</summary>
    public static string CreateAlertsTable(string name) => $"""
        CREATE TABLE IF NOT EXISTS {name} (
          id VARCHAR NOT NULL, "@timestamp" TIMESTAMP NOT NULL, "event.id" VARCHAR NOT NULL, "event.code" VARCHAR,
          "host.name" VARCHAR, "matched.field" VARCHAR, "matched.atomic" VARCHAR, "matched.type" VARCHAR,
          "indicator.id" VARCHAR, "threat.feed.name" VARCHAR, "rule.name" VARCHAR, source VARCHAR)
        """;

    /// <summary>The indicators table. No primary key (schema 4): DuckDB holds a key's index in memory, and refreshing a
    /// feed of 1,000,000 hashes ran out of the store's 256 MB in the upsert; a refresh now joins on the ids instead.</summary>
    public static string CreateIndicatorsTable(string name) => $"""
        CREATE TABLE IF NOT EXISTS {name} (
          id VARCHAR NOT NULL, kind VARCHAR NOT NULL, "threat.indicator.type" VARCHAR NOT NULL, value VARCHAR NOT NULL,
          ip_first UHUGEINT, ip_last UHUGEINT, "threat.feed.name" VARCHAR NOT NULL, "threat.indicator.confidence" VARCHAR,
          "threat.indicator.marking.tlp" VARCHAR, "threat.indicator.reference" VARCHAR, "threat.indicator.description" VARCHAR,
          "threat.indicator.first_seen" TIMESTAMP NOT NULL, "threat.indicator.last_seen" TIMESTAMP NOT NULL,
          expired BOOLEAN NOT NULL DEFAULT false)
        """;

    private static IEnumerable<string> Statements()
    {
        yield return "CREATE TABLE IF NOT EXISTS sysmon_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)";
        yield return CreateEventsTable(Names.EventsTable);
        yield return CreateIndicatorsTable(Names.IndicatorsTable);
        yield return """
            CREATE TABLE IF NOT EXISTS feed_state (name VARCHAR PRIMARY KEY, state JSON NOT NULL)
            """;
        yield return CreateAlertsTable(Names.AlertsTable);
        // Catalog revision 3: the indicators a feed refresh found new, until its retro-hunt has run. Kept in the file,
        // so that a hunt a crash or a stop cut short runs at the feed's next refresh instead of never; a copy of what
        // the hunt needs, so that it does not read the whole indicators table (~50 MB more for 1,000 new of 1,000,000).
        yield return $"""
            CREATE TABLE IF NOT EXISTS {RetroHuntPendingTable} (
              feed VARCHAR NOT NULL, id VARCHAR NOT NULL, kind VARCHAR NOT NULL, value VARCHAR NOT NULL, ip_first UHUGEINT,
              confidence VARCHAR, tlp VARCHAR, reference VARCHAR, description VARCHAR)
            """;
        yield return $"""
            CREATE TABLE IF NOT EXISTS {Names.HuntResultsTable} (
              id VARCHAR PRIMARY KEY, hunt VARCHAR NOT NULL, run_at TIMESTAMP NOT NULL, parameters JSON, row JSON NOT NULL)
            """;
        yield return EventColumns.CreateView(EventsView, Names.EventsTable);
        yield return EventColumns.CreateWholeRowsView(WholeRowsView, Names.EventsTable);
        yield return EventColumns.CreateDocumentsView(DocumentsView, Names.EventsTable);
        // IPv4 text to the number stored in *.ip_num (IPv4 mapped into ::ffff:0:0/96), for ad-hoc CIDR queries.
        yield return """
            CREATE OR REPLACE MACRO ip4_num(ip) AS
              281470681743360::UHUGEINT + (split_part(ip, '.', 1)::UBIGINT << 24) + (split_part(ip, '.', 2)::UBIGINT << 16)
              + (split_part(ip, '.', 3)::UBIGINT << 8) + split_part(ip, '.', 4)::UBIGINT
            """;
    }

    public static void Ensure(DuckDBConnection connection, string path)
    {
        var version = ReadVersion(connection);
        if (version > CurrentVersion)
        {
            throw new StoreException(
                $"{path} was written by a newer sysmon-elastic (schema {version}; this build knows {CurrentVersion}). " +
                "Upgrade sysmon-elastic, or ingest into a new file with --store duckdb:NEW.duckdb.");
        }
        // An up-to-date file is left untouched: re-creating the view or the macro on every open is a catalog change,
        // and DuckDB's next checkpoint after one rewrote a freshly ingested 1M-event store (3.8 s and 1.5 GB for the
        // first hunt after an ingest, instead of 0.3 s).
        if (version == CurrentVersion && ReadMeta(connection, "catalog_hash") == CatalogHash) return;
        // A later build of the same schema made its own views (host.id came that way): re-creating this build's older
        // ones would take those fields from every reader of the file until the later build opened it again.
        if (version == CurrentVersion && ReadRevision(connection) > CatalogRevision) return;
        using var tx = connection.BeginTransaction();
        // Before the views, which name every column.
        if (version is >= 1 and <= 4) AddMissingEventColumns(connection);
        foreach (var sql in Statements()) Execute(connection, sql);
        // Migrations from older versions, one step per version.
        if (version == 1) MigrateFrom1(connection);
        if (version is 1 or 2) MigrateFrom2(connection);
        if (version is 1 or 2 or 3) MigrateFrom3(connection);
        Execute(connection, "INSERT OR REPLACE INTO sysmon_meta VALUES ('schema_version', '" +
                            CurrentVersion.ToString(CultureInfo.InvariantCulture) + "')");
        Execute(connection, $"INSERT OR REPLACE INTO sysmon_meta VALUES ('catalog_hash', '{CatalogHash}')");
        Execute(connection, "INSERT OR REPLACE INTO sysmon_meta VALUES ('catalog_revision', '" +
                            CatalogRevision.ToString(CultureInfo.InvariantCulture) + "')");
        tx.Commit();
    }

    /// <summary>Counts this build's changes to the catalog (views, macros) within one schema version, so that an older
    /// build can tell a later one's catalog from its own and leave it. Raise it with every change of
    /// <see cref="CatalogHash"/>; a test holds the two together. Files from before it was recorded count as 0.</summary>
    public const int CatalogRevision = 3;

    /// <summary>Changes whenever a table, view or macro definition does, so a new build re-creates what changed.</summary>
    public static readonly string CatalogHash =
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join(";", Statements()))));

    private static string? ReadMeta(DuckDBConnection connection, string key)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT value FROM sysmon_meta WHERE key = $key";
        cmd.Parameters.Add(new DuckDBParameter("key", key));
        return cmd.ExecuteScalar() as string;
    }

    // Schema 1 had a primary key on events.id, whose index is held in memory and grows with the store; DuckDB
    // cannot drop a constraint, so the table is copied once into one without it. Old rows keep their whole
    // document in doc, which the view reads the same way.
    private static void MigrateFrom1(DuckDBConnection connection)
    {
        Execute(connection, $"DROP VIEW IF EXISTS {EventsView}");
        Execute(connection, $"DROP VIEW IF EXISTS {DocumentsView}");
        Execute(connection, $"DROP VIEW IF EXISTS {WholeRowsView}");
        CopyInto(connection, Names.EventsTable, CreateEventsTable, string.Join(", ", EventColumns.All.Select(c => c.Quoted)));
        Execute(connection, EventColumns.CreateView(EventsView, Names.EventsTable));
        Execute(connection, EventColumns.CreateWholeRowsView(WholeRowsView, Names.EventsTable));
        Execute(connection, EventColumns.CreateDocumentsView(DocumentsView, Names.EventsTable));
    }

    // Schema 5 added columns to events (host.id and agent.*, a shipper's). DuckDB adds a column without rewriting the
    // table; the rows before it hold NULL there, as rows without a shipper do.
    private static void AddMissingEventColumns(DuckDBConnection connection)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = $"SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND table_name = '{Names.EventsTable}'";
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) present.Add(reader.GetString(0));
        }
        foreach (var column in EventColumns.All.Where(c => !present.Contains(c.Name)))
        {
            Execute(connection, $"ALTER TABLE {Names.EventsTable} ADD COLUMN {column.Quoted} {column.SqlType}");
        }
    }

    // Schema 2 had a primary key on alerts.id and a doc column (see CreateAlertsTable); the table is copied once into
    // one without.
    private static void MigrateFrom2(DuckDBConnection connection)
    {
        const string Columns = "id, \"@timestamp\", \"event.id\", \"event.code\", \"host.name\", \"matched.field\", \"matched.atomic\", " +
                               "\"matched.type\", \"indicator.id\", \"threat.feed.name\", \"rule.name\", source";
        CopyInto(connection, Names.AlertsTable, CreateAlertsTable, Columns);
    }

    // Schema 3 and before had a primary key on indicators.id (see CreateIndicatorsTable); the table is copied once into
    // one without. The columns are the same.
    private static void MigrateFrom3(DuckDBConnection connection)
    {
        CopyInto(connection, Names.IndicatorsTable, CreateIndicatorsTable, "*");
    }

    // DuckDB cannot drop a constraint or a column's key: the table is made anew by its current definition, filled
    // with these columns of the old one, and takes its name.
    private static void CopyInto(DuckDBConnection connection, string table, Func<string, string> create, string columns)
    {
        var next = table + "_next";
        Execute(connection, create(next));
        Execute(connection, $"INSERT INTO {next} {(columns == "*" ? "" : $"({columns}) ")}SELECT {columns} FROM {table}");
        Execute(connection, $"DROP TABLE {table}");
        Execute(connection, $"ALTER TABLE {next} RENAME TO {table}");
    }

    private static int ReadRevision(DuckDBConnection connection) =>
        ReadMeta(connection, "catalog_revision") is { } s && int.TryParse(s, CultureInfo.InvariantCulture, out var r) ? r : 0;

    public static int ReadVersion(DuckDBConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM information_schema.tables WHERE table_name = 'sysmon_meta'";
        if (Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) == 0) return 0;
        return ReadMeta(connection, "schema_version") is { } s && int.TryParse(s, CultureInfo.InvariantCulture, out var v) ? v : 0;
    }

    /// <summary>A SQL string literal (file paths in ATTACH and read_json).</summary>
    public static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Runs one statement; returns the rows it changed.</summary>
    public static int Execute(DuckDBConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteNonQuery();
    }
}
