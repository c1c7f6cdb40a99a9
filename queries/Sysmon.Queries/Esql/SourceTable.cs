namespace Sysmon.Queries.Esql;

/// <summary>The table and columns an index pattern of FROM stands for.</summary>
/// <param name="JsonColumns">Columns holding JSON objects: a field under one (winlog.event_data.TargetImage) is read from it.</param>
/// <param name="HiddenColumns">Columns the query does not show but translations may use (the numeric IP twins).</param>
public sealed record SourceTable(string Table, IReadOnlyList<string> Columns, IReadOnlyList<string>? JsonColumns = null,
    IReadOnlyList<string>? HiddenColumns = null);
