namespace Sysmon.Kibana.Import;

/// <summary>Kibana could not be reached, or did not become ready in time (exit code 3, like a store).</summary>
public sealed class KibanaUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Kibana answered and refused: credentials, privileges, a malformed import (exit code 2).</summary>
public sealed class KibanaRequestException(string message, int status) : Exception(message)
{
    public int Status { get; } = status;
}
