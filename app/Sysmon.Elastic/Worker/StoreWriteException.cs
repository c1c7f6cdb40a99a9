using DuckDB.NET.Data;
using DuckDB.NET.Native;
using Sysmon.Elastic.Cli;

namespace Sysmon.Elastic.Worker;

/// <summary>
/// The store could not take what the worker handed it (a full disk, a cluster down, a DuckDB error). Raised around
/// every call to the sink, so that it is told apart from an input file that cannot be read: a failed write may have
/// taken documents of pieces read before it, so nothing read since the last commit may be checkpointed.
/// </summary>
internal sealed class StoreWriteException(Exception cause) : Exception(cause.Message, cause)
{
    /// <summary>Errors a store reports for a write; anything else is a defect and is not retried.</summary>
    public static bool IsStoreError(Exception ex) => StoreErrors.Is(ex);

    /// <summary>DuckDB gives up on a database whose checkpoint failed ("invalidated ... must be restarted"): only a
    /// new process can write to it again.</summary>
    public bool NeedsRestart => InnerException is DuckDBException { ErrorType: DuckDBErrorType.Fatal };
}
