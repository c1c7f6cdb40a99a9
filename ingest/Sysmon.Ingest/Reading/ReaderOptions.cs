namespace Sysmon.Ingest.Reading;

public sealed class ReaderOptions
{
    /// <summary>Keep each record's original text on the event (for event.original).</summary>
    public bool KeepOriginal { get; init; }

    /// <summary>Largest single record accepted, in bytes; anything larger is rejected, never buffered without bound.</summary>
    public int MaxRecordBytes { get; init; } = 16 * 1024 * 1024;
}
