namespace Sysmon.Queries;

/// <summary>Where scheduled hunts keep their rows (hunt_results / sysmon-hunts).</summary>
public interface IHuntResultStore
{
    /// <summary>Stores the rows of one run; returns how many were new (a row already reported by an earlier run
    /// of the same hunt is not reported again).</summary>
    Task<int> SaveResultsAsync(string hunt, IReadOnlyDictionary<string, object?> parameters, DateTimeOffset runAt, HuntResult result, CancellationToken ct);

    /// <summary>Per hunt, how many rows its runs have stored and when the last run that stored one was.</summary>
    Task<IReadOnlyList<StoredHuntRows>> StoredRowsAsync(CancellationToken ct);
}

/// <summary>What a hunt's scheduled runs have kept: <paramref name="Rows"/> rows, the last stored at <paramref name="LastRun"/>.</summary>
public sealed record StoredHuntRows(string Hunt, long Rows, DateTimeOffset LastRun);
