namespace Sysmon.Queries;

/// <summary>A query's result: column names in order and rows of values (null for missing; lists for multi-values),
/// and what the engine warned about (a value it had to treat as null), for the user to see beside the rows.</summary>
public sealed record HuntResult(IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows, IReadOnlyList<string>? Warnings = null);

/// <summary>The port that runs ES|QL: Elasticsearch natively, DuckDB by translation.</summary>
public interface IHuntEngine
{
    Task<HuntResult> RunAsync(string esql, IReadOnlyDictionary<string, object?> parameters, CancellationToken ct);
}
