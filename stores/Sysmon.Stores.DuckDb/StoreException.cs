namespace Sysmon.Stores.DuckDb;

/// <summary>A store that cannot be opened or used; the message says what is wrong and what to do.</summary>
public sealed class StoreException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The file is open in another process (DuckDB lets one process use it): a reader may wait for it.</summary>
    public bool HeldByAnotherProcess { get; init; }
}
