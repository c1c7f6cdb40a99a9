using Sysmon.Ingest.Events;

namespace Sysmon.Ingest.Reading;

/// <summary>A record that could not be read: where, why, and the start of its text (for the dead-letter file).</summary>
public sealed record RejectedRecord(SourcePosition Position, string Reason, string? Excerpt);

/// <summary>Input that is knowingly not an event (prose around pasted messages): counted, not dead-lettered.</summary>
public sealed record IgnoredInput(SourcePosition Position, string Reason);

/// <summary>What a reader yields: an event, a rejected record, or a note about ignored input.</summary>
public readonly struct ReadResult
{
    public SysmonEvent? Event { get; }
    public RejectedRecord? Rejected { get; }
    public IgnoredInput? Ignored { get; }

    private ReadResult(SysmonEvent? e, RejectedRecord? r, IgnoredInput? i)
    {
        Event = e;
        Rejected = r;
        Ignored = i;
    }

    public static ReadResult Of(SysmonEvent e) => new(e, null, null);

    public static ReadResult Reject(SourcePosition position, string reason, string? excerpt = null) =>
        new(null, new RejectedRecord(position, reason, Excerpt(excerpt)), null);

    public static ReadResult Ignore(SourcePosition position, string reason) => new(null, null, new IgnoredInput(position, reason));

    public const int MaxExcerptChars = 4096;

    private static string? Excerpt(string? text) =>
        text is null || text.Length <= MaxExcerptChars ? text : string.Concat(text.AsSpan(0, MaxExcerptChars), "…");
}
