namespace Sysmon.Queries.Hunts;

/// <summary>A user's hunt file that cannot be used (a malformed header or schedule); the message names the file.</summary>
public sealed class HuntFileException(string message) : FormatException(message);
