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
    public static async Task<int> RunAsync(Func<TextWriter, Task<int>> command)
    {
        var stderr = Console.Error;
        try
        {
            return await command(stderr).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is UsageException or IOException or UnauthorizedAccessException or Sysmon.Queries.Hunts.HuntFileException
                                       or UnsupportedClusterException)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (StoreException ex)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return ExitCodes.StoreUnreachable;
        }
        catch (ElasticsearchUnavailableException ex)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return ExitCodes.StoreUnreachable;
        }
        catch (ElasticsearchRequestException ex)
        {
            // The cluster answered but refused: a missing resource (setup not run), a privilege, a bad query.
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return ex.Status is 400 or 404 ? ExitCodes.Usage : ExitCodes.StoreUnreachable;
        }
        catch (DuckDB.NET.Data.DuckDBException ex)
        {
            await stderr.WriteLineAsync("error: the DuckDB store failed: " + ex.Message).ConfigureAwait(false);
            return ExitCodes.StoreUnreachable;
        }
    }
}
