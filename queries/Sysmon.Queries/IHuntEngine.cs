namespace Sysmon.Queries;

/// <summary>A query's result: column names in order and rows of values (null for missing; lists for multi-values).</summary>
public sealed record HuntResult(IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows);

/// <summary>The port that runs ES|QL: Elasticsearch natively, DuckDB by translation.</summary>
public interface IHuntEngine
{
    Task<HuntResult> RunAsync(string esql, IReadOnlyDictionary<string, object?> parameters, CancellationToken ct);
}
