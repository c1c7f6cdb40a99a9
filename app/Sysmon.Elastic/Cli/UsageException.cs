namespace Sysmon.Elastic.Cli;

/// <summary>A usage or configuration error: printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
