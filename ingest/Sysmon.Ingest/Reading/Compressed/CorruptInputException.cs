namespace Sysmon.Ingest.Reading.Compressed;

/// <summary>
/// Compressed data that cannot be decompressed (a damaged .gz or archive entry). Not an <see cref="IOException"/> on
/// purpose: the worker retries I/O errors later, and a damaged file stays damaged; <see cref="EventSource"/> turns it
/// into a dead letter and keeps the events read before it.
/// </summary>
public sealed class CorruptInputException(string message, long offset, Exception inner) : Exception(message, inner)
{
    /// <summary>Where in the decompressed bytes the damage was met.</summary>
    public long Offset { get; } = offset;
}
