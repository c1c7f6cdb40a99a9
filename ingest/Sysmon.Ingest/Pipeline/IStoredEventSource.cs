using Sysmon.Ingest.Ecs;

namespace Sysmon.Ingest.Pipeline;

/// <summary>
/// The events a store holds, read back as ECS documents in an order that stays stable while the store grows, for
/// `reindex` (architecture.md: "move or re-enrich stored events ... resumable"). A position is the store's own text
/// (a row number, a sort key): reading after it goes on where a stopped run left off.
/// </summary>
public interface IStoredEventSource
{
    /// <summary>What the progress counts towards: the events stored after <paramref name="after"/> (null: all).</summary>
    Task<long> CountAsync(string? after, CancellationToken ct);

    /// <summary>The stored events after <paramref name="after"/> (null: from the first), in the store's order. A store
    /// that reads by pages may give again events just before the position (the rest of its page): a copy's destination
    /// skips the ids it holds.</summary>
    IAsyncEnumerable<StoredEvent> ReadAsync(string? after, CancellationToken ct);

    /// <summary>The id of the event stored at <paramref name="position"/>, or null when none is (a position before the
    /// first event; a store replaced since the position was taken): a checkpoint's proof that it is still this store's.</summary>
    Task<string?> IdAtAsync(string position, CancellationToken ct);
}

/// <summary>One stored event: its document, or why it could not be read back (with its stored text, for the
/// dead-letter file); and its position, to go on after it.</summary>
public sealed record StoredEvent(string Position, string Id, EcsDocument? Document, string? Error = null, string? Stored = null)
{
    /// <summary>The id of the event stored at <see cref="Position"/> (not always this one: a store's position may be
    /// of an event read before), or null when none is; what <see cref="IStoredEventSource.IdAtAsync"/> answers for it.</summary>
    public string? PositionId { get; init; }
}
