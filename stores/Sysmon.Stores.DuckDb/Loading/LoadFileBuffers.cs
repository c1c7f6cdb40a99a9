using System.Buffers;

namespace Sysmon.Stores.DuckDb.Loading;

/// <summary>
/// The memory of one <see cref="EventLoadFile"/> (its id set, its ids in line order, its write buffer), kept by the
/// sink from one load to the next. A bulk load holds ~131,072 ids: allocated afresh for every load, these collections
/// grew through the large object heap and set off most of an ingest's full (gen 2) garbage collections.
/// </summary>
internal sealed class LoadFileBuffers
{
    public HashSet<string> Ids { get; } = new(StringComparer.Ordinal);

    /// <summary>The ids by line ordinal: names a line even when DuckDB cannot parse it.</summary>
    public List<string> LineIds { get; } = [];

    /// <summary>Lines waiting to be written to the file.</summary>
    public ArrayBufferWriter<byte> Output { get; } = new(64 * 1024);

    public void Clear()
    {
        Ids.Clear();
        LineIds.Clear();
        Output.ResetWrittenCount();
    }
}
