namespace Sysmon.Queries.Lineage;

/// <summary>Where a lineage walk stopped early, and why.</summary>
public sealed record LineageProblem(string EntityId, string Problem);

/// <summary>A process's ancestors (root first) and its descendants tree.</summary>
public sealed record LineageResult(ProcessNode? Process, IReadOnlyList<ProcessNode> Ancestors, IReadOnlyList<ProcessNode> Descendants,
    IReadOnlyList<LineageProblem> Problems);

/// <summary>
/// Walks up the process.parent.entity_id chain to the first process with no recorded parent, and down the
/// children, to any depth. Loops and missing links are reported, never followed forever; a depth cap bounds
/// the walk either way. A process whose creation is not stored is shown as its other events or its child's
/// creation describe it (<see cref="ProcessKnownFrom"/>), so that partial logs still give a tree.
/// </summary>
public sealed class ProcessLineage(IProcessLookup lookup)
{
    public async Task<LineageResult> BuildAsync(string entityId, int maxDepth, CancellationToken ct)
    {
        var problems = new List<LineageProblem>();
        var start = await lookup.FindAsync(entityId, ct).ConfigureAwait(false) ?? await PartlyKnownAsync(entityId, problems, ct).ConfigureAwait(false);
        if (start is null) return new LineageResult(null, [], [], problems);
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
                // The child's creation still names the parent's image and command line: show that rather than nothing.
                var described = current.DescribedParent();
                if (described is not null) ancestors.Add(described);
                problems.Add(new LineageProblem(parentId, "missing link: the parent's process creation is not stored" +
                    (described is null ? "" : " (shown as its child's creation describes it)")));
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

    /// <summary>A process whose creation is not stored (it started before the logs were collected) is still named by
    /// its other events and by its children's creations: describe it from those so that its descendants can be walked.</summary>
    private async Task<ProcessNode?> PartlyKnownAsync(string entityId, List<LineageProblem> problems, CancellationToken ct)
    {
        var seen = await lookup.FirstSeenAsync(entityId, ct).ConfigureAwait(false);
        if (seen is null && (await lookup.ChildrenAsync(entityId, ct).ConfigureAwait(false)).FirstOrDefault()?.DescribedParent() is { } described)
            seen = described;
        problems.Add(new LineageProblem(entityId, seen switch
        {
            null => "no event of this process (process.entity_id or process.parent.entity_id) is stored",
            { KnownFrom: ProcessKnownFrom.OtherEvents } => "its process creation (event 1) is not stored: shown as its earliest event describes it",
            _ => "its process creation (event 1) is not stored: shown as its child's creation describes it",
        }));
        return seen;
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
