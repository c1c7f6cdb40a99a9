using Sysmon.Stores.DuckDb;

namespace Sysmon.Elastic.Cli;

/// <summary>
/// Turns the errors a command can meet into one line on standard error and the exit code architecture.md
/// defines: usage and I/O problems 2, a store that cannot be opened or written 3.
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
        catch (Exception ex) when (ex is UsageException or IOException or UnauthorizedAccessException or Sysmon.Queries.Hunts.HuntFileException)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (StoreException ex)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return ExitCodes.StoreUnreachable;
        }
        catch (DuckDB.NET.Data.DuckDBException ex)
        {
            await stderr.WriteLineAsync("error: the DuckDB store failed: " + ex.Message).ConfigureAwait(false);
            return ExitCodes.StoreUnreachable;
        }
    }
}
