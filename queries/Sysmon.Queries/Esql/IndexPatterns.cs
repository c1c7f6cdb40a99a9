namespace Sysmon.Queries.Esql;

/// <summary>
/// FROM's index patterns resolved as Elasticsearch resolves them, over a store that answers one pattern at a time: a
/// pattern with a wildcard that matches nothing is passed over (Elastic's detection rules list the indices of every
/// integration they can read), a name without one that matches nothing is an error (Elasticsearch: "Unknown index"),
/// and so is a FROM that matches nothing at all. One query reads one table here, so patterns that name two are refused.
/// </summary>
public static class IndexPatterns
{
    /// <param name="resolve">The table a pattern stands for, or null when it names nothing in the store.</param>
    /// <param name="known">The store's names, for the error when nothing matches.</param>
    public static SourceTable Resolve(From from, Func<string, SourceTable?> resolve, string known)
    {
        SourceTable? found = null;
        string? foundBy = null;
        foreach (var pattern in from.Patterns)
        {
            var table = resolve(pattern);
            if (table is null)
            {
                if (!pattern.Contains('*', StringComparison.Ordinal)) throw new EsqlException($"FROM {pattern}: no such index in the store ({known})", from.Position + 5);
                continue;
            }
            if (found is not null && found.Table != table.Table)
            {
                throw new EsqlException($"FROM {foundBy}, {pattern}: these name two different tables of the store; a query reads one here", from.Position + 5);
            }
            found ??= table;
            foundBy ??= pattern;
        }
        return found ?? throw new EsqlException($"FROM {string.Join(", ", from.Patterns)}: no such index in the store ({known})", from.Position + 5);
    }
}
