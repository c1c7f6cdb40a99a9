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

    /// <summary>How far a stored copy's time may lie outside the load's own times and still be looked at. Exports
    /// of one record carry the same UtcTime; the margin covers one that fell back to the log's TimeCreated.</summary>
    public static readonly TimeSpan TimeMargin = TimeSpan.FromDays(1);

    /// <summary>The load's ids that the store already holds. Given the load's time range, only stored rows within it
    /// (and <see cref="TimeMargin"/>) are read: DuckDB skips row groups by their @timestamp bounds, so the scan no
    /// longer grows with the store (20M stored ids, one thread: 466-820 ms a load read whole, 6-64 ms bounded; a
    /// worker's small loads each read every stored id before).</summary>
    public static string CreateStoredIds((DateTime From, DateTime To)? range) =>
        $"CREATE OR REPLACE TEMP TABLE {StoredIds} AS SELECT e.id FROM {Names.EventsTable} e SEMI JOIN temp.{LoadIds} i ON e.id = i.id" +
        (range is var (from, to) ? $" WHERE e.\"@timestamp\" BETWEEN {Timestamp(Shift(from, -TimeMargin))} AND {Timestamp(Shift(to, TimeMargin))}" : "");

    /// <summary>A time range widened by <see cref="TimeMargin"/> on both sides: where a stored copy of a row (an event,
    /// or an alert, which carries its event's time) may lie.</summary>
    public static (DateTime From, DateTime To) WithMargin(DateTime from, DateTime to) => (Shift(from, -TimeMargin), Shift(to, TimeMargin));

    // Times at the ends of DateTime's range (year 1, year 9999) stay there instead of overflowing.
    private static DateTime Shift(DateTime t, TimeSpan by) =>
        by < TimeSpan.Zero ? (t.Ticks + by.Ticks < 0 ? DateTime.MinValue : t + by)
                           : (DateTime.MaxValue.Ticks - t.Ticks < by.Ticks ? DateTime.MaxValue : t + by);

    private static string Timestamp(DateTime utc)
    {
        Span<byte> text = stackalloc byte[LoadTime.MaxLength];
        return "TIMESTAMP '" + System.Text.Encoding.ASCII.GetString(text[..LoadTime.Format(utc, text)]) + "'";
    }

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
