namespace Sysmon.Ingest.Evtx;

/// <summary>The EVTX reader's own error: damaged or unsupported data, with where it was found.</summary>
public sealed class EvtxFormatException(string message) : Exception(message);
