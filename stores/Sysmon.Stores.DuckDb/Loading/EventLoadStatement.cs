using System.Globalization;
using Sysmon.Ingest;
using Sysmon.Stores.DuckDb.Schema;

namespace Sysmon.Stores.DuckDb.Loading;

/// <summary>
/// The SQL that loads an <see cref="EventLoadFile"/>: DuckDB's JSON reader with every column's type given (no
/// sampling), rows whose id is already stored left out. The load's ids are put in a temporary table, the store's id
/// column is scanned against them (a semi-join hashes its right side: the load's ids, not the store's) into a
/// second one, and the insert leaves those out. The scan is a statement of its own so that it can run under a small
/// memory limit: DuckDB keeps the blocks it reads cached up to its limit, and the store's ids (~31 bytes each) grew
/// ingest's peak with the store (5M events: 453 MB). A primary-key index would be held in memory and grow too.
/// </summary>
internal static class EventLoadStatement
{
    private static readonly string ColumnTypes = "n: 'BIGINT', " + string.Join(", ", EventColumns.All.Select((c, i) =>
        $"c{i.ToString(CultureInfo.InvariantCulture)}: '{BaseType(c.SqlType)}'"));

    private static readonly string TargetColumns = string.Join(", ", EventColumns.All.Select(c => c.Quoted));

    private static readonly string SourceColumns = string.Join(", ", EventColumns.All.Select((_, i) => "l.c" + i.ToString(CultureInfo.InvariantCulture)));

    private static readonly string IdColumn = "l.c" + EventColumns.All.Select((c, i) => (c, i)).Single(x => x.c.Kind == ColumnKind.Id).i
        .ToString(CultureInfo.InvariantCulture);

    public const string LoadIds = "load_ids";

    public static string CreateLoadIds => $"CREATE OR REPLACE TEMP TABLE {LoadIds} (id VARCHAR)";

    public const string StoredIds = "load_stored_ids";

    /// <summary>The load's ids that the store already holds.</summary>
    public static string CreateStoredIds =>
        $"CREATE OR REPLACE TEMP TABLE {StoredIds} AS SELECT e.id FROM {Names.EventsTable} e SEMI JOIN temp.{LoadIds} i ON e.id = i.id";

    /// <summary>INSERT of the file's rows not yet stored (all but the ids in <see cref="StoredIds"/>); with
    /// <paramref name="ignoreErrors"/> unreadable lines are skipped.</summary>
    public static string Insert(string path, bool ignoreErrors) =>
        $"INSERT INTO {Names.EventsTable} ({TargetColumns}) SELECT {SourceColumns} FROM {Read(path, ignoreErrors)} l " +
        $"WHERE {IdColumn} NOT IN (SELECT id FROM temp.{StoredIds})" +
        (ignoreErrors ? " AND l.n IS NOT NULL" : ""); // a line it cannot parse comes back as a row of NULLs

    /// <summary>The ordinals of the lines DuckDB can read (to name the others).</summary>
    public static string ReadableOrdinals(string path) => $"SELECT n FROM {Read(path, ignoreErrors: true)} WHERE n IS NOT NULL";

    private static string Read(string path, bool ignoreErrors) =>
        $"read_json({DuckDbSchema.Literal(path)}, format = 'newline_delimited', " +
        // DuckDB's default maximum_object_size stays: raising it to 256 MB made DuckDB ask for 512 MB of read buffer,
        // and newline-delimited lines beyond it (a 17 MB command line, tested) are read whole anyway.
        $"columns = {{{ColumnTypes}}}" +
        (ignoreErrors ? ", ignore_errors = true)" : ")");

    private static string BaseType(string sqlType) => sqlType.Replace(" NOT NULL", "", StringComparison.Ordinal);
}
