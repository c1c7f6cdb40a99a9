namespace Sysmon.Queries.Lineage;

/// <summary>One process, as its process-creation event (Sysmon event 1) describes it.</summary>
public sealed record ProcessNode(string EntityId, string? ParentEntityId, DateTime? Timestamp, string? Host, string? Executable,
    string? CommandLine, string? Sha256, bool IndicatorMatched)
{
    public List<ProcessNode> Children { get; } = [];
}

/// <summary>The store primitive lineage needs: process creations by entity id and by parent entity id.</summary>
public interface IProcessLookup
{
    Task<ProcessNode?> FindAsync(string entityId, CancellationToken ct);

    Task<IReadOnlyList<ProcessNode>> ChildrenAsync(string entityId, CancellationToken ct);
}
