namespace Sysmon.Queries.Lineage;

/// <summary>Where a lineage node's description comes from. Collected logs are often partial: a process that started
/// before collection has no creation event, but its children's creations and its own later events still name it.</summary>
public enum ProcessKnownFrom
{
    /// <summary>Its own process creation (Sysmon event 1).</summary>
    Creation,

    /// <summary>Its earliest other event (network connection, file creation, ...): no creation is stored.</summary>
    OtherEvents,

    /// <summary>A child's process creation, which names its parent's image, command line and pid.</summary>
    ChildEvent,
}

/// <summary>A parent process as its child's creation event describes it (ParentImage, ParentCommandLine, ParentProcessId).</summary>
public sealed record ParentDescription(string? Executable, string? CommandLine, long? Pid)
{
    /// <summary>Null when the event names none of the three (events other than a creation).</summary>
    public static ParentDescription? Of(string? executable, string? commandLine, long? pid) =>
        executable is null && commandLine is null && pid is null ? null : new(executable, commandLine, pid);
}

/// <summary>One process, as its process-creation event (Sysmon event 1) describes it, or as well as partial logs allow.</summary>
public sealed record ProcessNode(string EntityId, string? ParentEntityId, DateTime? Timestamp, string? Host, string? Executable,
    string? CommandLine, string? Sha256, bool IndicatorMatched)
{
    public long? Pid { get; init; }

    /// <summary>DOMAIN\name as Sysmon's User field wrote it (ECS splits it into user.domain and user.name).</summary>
    public string? User { get; init; }

    public static string? UserOf(string? domain, string? name) => domain is not null && name is not null ? domain + "\\" + name : name;

    /// <summary>The parent as this process's creation describes it; null when the event did not say.</summary>
    public ParentDescription? Parent { get; init; }

    public ProcessKnownFrom KnownFrom { get; init; } = ProcessKnownFrom.Creation;

    public List<ProcessNode> Children { get; } = [];

    /// <summary>This process's parent as this (child's) creation describes it, when it names at least the image or command line.</summary>
    public ProcessNode? DescribedParent() =>
        ParentEntityId is { } id && Parent is { } p && (p.Executable is not null || p.CommandLine is not null)
            ? new ProcessNode(id, null, null, Host, p.Executable, p.CommandLine, null, false) { Pid = p.Pid, KnownFrom = ProcessKnownFrom.ChildEvent }
            : null;
}

/// <summary>The store primitive lineage needs: process creations by entity id and by parent entity id.</summary>
public interface IProcessLookup
{
    /// <summary>The process creation (event 1) of this process, or null.</summary>
    Task<ProcessNode?> FindAsync(string entityId, CancellationToken ct);

    /// <summary>The process creations whose parent is this process, oldest first.</summary>
    Task<IReadOnlyList<ProcessNode>> ChildrenAsync(string entityId, CancellationToken ct);

    /// <summary>The earliest event of any kind naming this process as <c>process.entity_id</c>, as a node known from
    /// <see cref="ProcessKnownFrom.OtherEvents"/>; null when none is stored.</summary>
    Task<ProcessNode?> FirstSeenAsync(string entityId, CancellationToken ct);
}
