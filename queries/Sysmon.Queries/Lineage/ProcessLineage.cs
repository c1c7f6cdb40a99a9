namespace Sysmon.Queries.Lineage;

/// <summary>Where a lineage walk stopped early, and why.</summary>
public sealed record LineageProblem(string EntityId, string Problem);

/// <summary>A process's ancestors (root first) and its descendants tree.</summary>
public sealed record LineageResult(ProcessNode? Process, IReadOnlyList<ProcessNode> Ancestors, IReadOnlyList<ProcessNode> Descendants,
    IReadOnlyList<LineageProblem> Problems);

/// <summary>
/// Walks up the process.parent.entity_id chain to the first process with no recorded parent, and down the
/// children, to any depth. Loops and missing links are reported, never followed forever; a depth cap bounds
/// the walk either way.
/// </summary>
public sealed class ProcessLineage(IProcessLookup lookup)
{
    public async Task<LineageResult> BuildAsync(string entityId, int maxDepth, CancellationToken ct)
    {
        var problems = new List<LineageProblem>();
        var start = await lookup.FindAsync(entityId, ct).ConfigureAwait(false);
        if (start is null)
        {
            problems.Add(new LineageProblem(entityId, "no process creation (event 1) with this entity id is stored"));
            return new LineageResult(null, [], [], problems);
        }
        var ancestors = new List<ProcessNode>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { start.EntityId };
        var current = start;
        for (var depth = 0; current.ParentEntityId is { } parentId; depth++)
        {
            if (depth >= maxDepth)
            {
                problems.Add(new LineageProblem(current.EntityId, $"stopped after {maxDepth} ancestors (--depth)"));
                break;
            }
            if (!seen.Add(parentId))
            {
                problems.Add(new LineageProblem(parentId, "loop: this process is already in the chain"));
                break;
            }
            var parent = await lookup.FindAsync(parentId, ct).ConfigureAwait(false);
            if (parent is null)
            {
                problems.Add(new LineageProblem(parentId, "missing link: the parent's process creation is not stored"));
                break;
            }
            ancestors.Add(parent);
            current = parent;
        }
        ancestors.Reverse();
        var visited = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { start.EntityId };
        await AddChildrenAsync(start, 1, maxDepth, visited, problems, ct).ConfigureAwait(false);
        return new LineageResult(start, ancestors, start.Children, problems);
    }

    private async Task AddChildrenAsync(ProcessNode node, int depth, int maxDepth, HashSet<string> visited, List<LineageProblem> problems, CancellationToken ct)
    {
        foreach (var child in await lookup.ChildrenAsync(node.EntityId, ct).ConfigureAwait(false))
        {
            if (!visited.Add(child.EntityId))
            {
                problems.Add(new LineageProblem(child.EntityId, "loop: this process is already in the tree"));
                continue;
            }
            node.Children.Add(child);
            if (depth >= maxDepth)
            {
                problems.Add(new LineageProblem(child.EntityId, $"children not followed beyond depth {maxDepth} (--depth)"));
                continue;
            }
            await AddChildrenAsync(child, depth + 1, maxDepth, visited, problems, ct).ConfigureAwait(false);
        }
    }
}
