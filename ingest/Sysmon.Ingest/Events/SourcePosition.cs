namespace Sysmon.Ingest.Events;

/// <summary>Where a record was read: the file as given, and a line and/or byte offset inside it.</summary>
/// <param name="Path">The path as given on the command line ("-" for stdin).</param>
/// <param name="Line">1-based line of the record's first character, when the format has lines.</param>
/// <param name="Offset">Byte (or character, for text decoded streams) offset of the record's start.</param>
public readonly record struct SourcePosition(string Path, long? Line, long? Offset)
{
    public override string ToString()
    {
        if (Line is { } l && Offset is { } o) return $"{Path}:{l} (offset {o})";
        if (Line is { } line) return $"{Path}:{line}";
        if (Offset is { } off) return $"{Path} @ offset {off}";
        return Path;
    }
}
