namespace Sysmon.Ingest.Reading;

/// <summary>One input form. Readers stream: memory stays constant whatever the size of the input.</summary>
public interface IEventReader
{
    InputFormat Format { get; }

    /// <summary>Reads every record of <paramref name="stream"/> (UTF-8, or binary for EVTX); <paramref name="path"/>
    /// names it in positions and errors.</summary>
    IAsyncEnumerable<ReadResult> ReadAsync(Stream stream, string path, ReaderOptions options, CancellationToken cancellationToken = default);
}
