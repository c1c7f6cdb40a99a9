namespace Sysmon.Ingest.Catalogue;

/// <summary>How an EventData value becomes an ECS value.</summary>
public enum FieldConversion { String, Long, Ip, Bool }

/// <summary>One row of Catalogue/ecs-field-map.tsv: an EventData field mapped to an ECS field.</summary>
public sealed class FieldMapping
{
    public required string Source { get; init; }
    public required string Target { get; init; }
    public required FieldConversion Conversion { get; init; }
    /// <summary>True: the field also stays in winlog.event_data ("copy"); false: it is moved ("rename").</summary>
    public required bool KeepInEventData { get; init; }
    /// <summary>Event ids the row applies to; null = every event carrying the field.</summary>
    public required IReadOnlySet<int>? Events { get; init; }
    /// <summary>True when <see cref="Events"/> lists the events the row does NOT apply to.</summary>
    public required bool Excluding { get; init; }

    public bool AppliesTo(int eventId) =>
        Events is null || (Excluding ? !Events.Contains(eventId) : Events.Contains(eventId));
}
