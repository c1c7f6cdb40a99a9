namespace Sysmon.Queries;

/// <summary>Where scheduled hunts keep their rows (hunt_results / sysmon-hunts).</summary>
public interface IHuntResultStore
{
    /// <summary>Stores the rows of one run; returns how many were new (a row already reported by an earlier run
    /// of the same hunt is not reported again).</summary>
    Task<int> SaveResultsAsync(string hunt, IReadOnlyDictionary<string, object?> parameters, DateTimeOffset runAt, HuntResult result, CancellationToken ct);
}
