namespace Sysmon.Elastic.Cli;

/// <summary>A usage or configuration error: printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message)
{
    /// <summary>Runs <paramref name="parse"/>; the <see cref="ArgumentException"/> with which the libraries refuse a value
    /// (a feed, a store option, a hunt parameter, a channel) becomes a usage error, its message after
    /// <paramref name="prefix"/>.</summary>
    public static T From<T>(Func<T> parse, string prefix = "")
    {
        try
        {
            return parse();
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(prefix + ex.Message);
        }
    }

    /// <summary>As <see cref="From{T}(Func{T}, string)"/>, for a check that returns nothing.</summary>
    public static void From(Action check, string prefix = "") => From(() =>
    {
        check();
        return true;
    }, prefix);
}
