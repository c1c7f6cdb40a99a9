using Sysmon.Kibana.Import;
using Sysmon.Stores.DuckDb;
using Sysmon.Stores.Elasticsearch.Connection;

namespace Sysmon.Elastic.Cli;

/// <summary>
/// Turns the errors a command can meet into one line on standard error and the exit code architecture.md
/// defines: usage, I/O and configuration problems 2 (a cluster too old, a resource missing because setup was not run), a store
/// that cannot be opened, reached or written 3.
/// </summary>
public static class CommandErrors
{
    /// <summary>The key under which a command adds what to do next to an exception's <see cref="Exception.Data"/>;
    /// printed on the line after the error.</summary>
    public const string NextStep = "sysmon-elastic.next-step";

    public static async Task<int> RunAsync(Func<TextWriter, Task<int>> command)
    {
        var stderr = Console.Error;
        try
        {
            return await command(stderr).ConfigureAwait(false);
        }
        catch (Exception ex) when (Describe(ex) is var (message, code))
        {
            await stderr.WriteLineAsync("error: " + message).ConfigureAwait(false);
            if (ex.Data[NextStep] is string next) await stderr.WriteLineAsync("  " + next).ConfigureAwait(false);
            return code;
        }
    }

    // The line and exit code for an error a command can meet; null for anything else (a defect, left to the runtime).
    private static (string Message, int Code)? Describe(Exception ex) => ex switch
    {
        UsageException or IOException or UnauthorizedAccessException or Sysmon.Queries.Hunts.HuntFileException or UnsupportedClusterException =>
            (ex.Message, ExitCodes.Usage),
        StoreException or ElasticsearchUnavailableException or KibanaUnavailableException => (ex.Message, ExitCodes.StoreUnreachable),
        KibanaRequestException => (ex.Message, ExitCodes.Usage),
        // The cluster answered but refused: a missing resource (setup not run), a privilege, a bad query.
        ElasticsearchRequestException es => (ex.Message, es.Status is 400 or 404 ? ExitCodes.Usage : ExitCodes.StoreUnreachable),
        DuckDB.NET.Data.DuckDBException => ("the DuckDB store failed: " + ex.Message, ExitCodes.StoreUnreachable),
        _ => null,
    };
}
