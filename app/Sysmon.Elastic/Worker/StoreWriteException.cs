using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace Sysmon.Elastic.Worker;

/// <summary>
/// The store could not take what the worker handed it (a full disk, a cluster down, a DuckDB error). Raised around
/// every call to the sink, so that it is told apart from an input file that cannot be read: a failed write may have
/// taken documents of pieces read before it, so nothing read since the last commit may be checkpointed. Only the
/// errors <see cref="Cli.StoreErrors"/> names are wrapped; anything else is a defect and is not retried.
/// </summary>
internal sealed class StoreWriteException(Exception cause) : Exception(cause.Message, cause)
{
    /// <summary>DuckDB gave up on its whole instance (a fatal error: "the database must be restarted"): only a new
    /// process can write again. A file invalidated by a failed checkpoint is not this: the store attaches it afresh.</summary>
    public bool NeedsRestart => InnerException is DuckDBException { ErrorType: DuckDBErrorType.Fatal };

    /// <summary>Another process holds the DuckDB file (a DuckDB shell, a query that opened it while the worker had let it go).</summary>
    public bool HeldByAnotherProcess => InnerException is Sysmon.Stores.DuckDb.StoreException { HeldByAnotherProcess: true };
}
