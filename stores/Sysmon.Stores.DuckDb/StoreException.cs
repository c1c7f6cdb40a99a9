namespace Sysmon.Stores.DuckDb;

/// <summary>A store that cannot be opened or used; the message says what is wrong and what to do.</summary>
public sealed class StoreException(string message, Exception? inner = null) : Exception(message, inner);
