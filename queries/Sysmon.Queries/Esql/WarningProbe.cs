namespace Sysmon.Queries.Esql;

/// <summary>A warning ES|QL would give at run time, and the SQL that returns a row when it applies to the data.</summary>
public sealed record WarningProbe(string Warning, string Sql);
