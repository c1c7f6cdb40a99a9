namespace Sysmon.Ingest.Ecs;

/// <summary>An event that cannot become a document (no usable time at all); the record goes to the dead letters.</summary>
public sealed class MappingException(string message) : Exception(message);
