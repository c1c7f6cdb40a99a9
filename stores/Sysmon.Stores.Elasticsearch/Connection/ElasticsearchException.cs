namespace Sysmon.Stores.Elasticsearch.Connection;

/// <summary>The cluster cannot be reached or refuses us (connection, TLS, authentication): the CLI exits 3.
/// The message names the URL (without credentials) and the cause, never a secret.</summary>
public sealed class ElasticsearchUnavailableException(string message, Exception? inner = null, bool transient = true) : Exception(message, inner)
{
    /// <summary>Worth retrying (connection refused or reset, timeout); false for refused credentials.</summary>
    public bool Transient { get; } = transient;
}

/// <summary>The cluster answered but refused a request (a bad resource, a query error, a missing privilege).</summary>
public sealed class ElasticsearchRequestException(string message, int status, string? errorType = null) : Exception(message)
{
    public int Status { get; } = status;
    public string? ErrorType { get; } = errorType;
}

/// <summary>The cluster is older than the features the resources use (exit 2: a configuration problem).</summary>
public sealed class UnsupportedClusterException(string message) : Exception(message);
