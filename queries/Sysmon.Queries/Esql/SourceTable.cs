namespace Sysmon.Queries.Esql;

/// <summary>The table and columns an index pattern of FROM stands for.</summary>
/// <param name="JsonColumns">Columns holding JSON objects: a field under one (winlog.event_data.TargetImage) is read from it.</param>
/// <param name="HiddenColumns">Columns the query does not show but translations may use (the numeric IP twins).</param>
/// <param name="WholeRows">Where a query that shows many of the computed columns reads instead (same columns).</param>
/// <param name="ListColumns">Columns holding multi-values as lists (process.args, related.ip): the MV_ functions need to know.</param>
/// <param name="Index">The Elasticsearch name of the same data (METADATA _index), e.g. logs-sysmon-default.</param>
/// <param name="IdColumn">The column holding each document's Elasticsearch _id (METADATA _id).</param>
/// <param name="JsonKeys">The keys found under a JSON column across the table (what Elasticsearch maps as its
/// subfields), for <c>KEEP winlog.event_data.*</c>.</param>
/// <param name="DocumentSql">The SQL of a row's whole document (METADATA _source), over the table's columns.</param>
public sealed record SourceTable(string Table, IReadOnlyList<string> Columns, IReadOnlyList<string>? JsonColumns = null,
    IReadOnlyList<string>? HiddenColumns = null, WholeRowsSource? WholeRows = null, IReadOnlyList<string>? ListColumns = null,
    string? Index = null, string? IdColumn = null, Func<string, IReadOnlyList<string>>? JsonKeys = null, string? DocumentSql = null);

/// <summary>A second table of the same columns, cheaper to read whole rows from: <paramref name="Table"/> computes the
/// <paramref name="ComputedColumns"/> together, where the source table computes each on its own (cheaper for a few).</summary>
public sealed record WholeRowsSource(string Table, IReadOnlySet<string> ComputedColumns);
