using Sysmon.Kibana.SavedObjects;
using Sysmon.Queries.Esql;
using Sysmon.Queries.Hunts;

namespace Sysmon.Elastic.Cli;

/// <summary>
/// What <c>setup kibana</c> imports: the shipped saved objects, and one ES|QL Discover session per stored hunt
/// (id <c>sysmon-elastic-hunt-NAME</c>), the hunt's query with its defaults written in, so that the hunts are written
/// once, in <c>queries/hunts</c>, and the dashboard shows the same answers as <c>sysmon-elastic hunt</c>.
/// </summary>
public static class KibanaObjects
{
    public const string HuntSearchPrefix = "sysmon-elastic-hunt-";

    /// <param name="hunts">The hunts to add (shipped and the user's own).</param>
    /// <returns>The bundle, and the hunts left out with the reason (a parameter without a default).</returns>
    public static (SavedObjectBundle Bundle, IReadOnlyList<string> LeftOut) Build(IReadOnlyList<Hunt> hunts)
    {
        var bundle = SavedObjectBundle.Shipped();
        var leftOut = new List<string>();
        foreach (var hunt in hunts)
        {
            if (InlinedQuery.Of(hunt) is not { } query)
            {
                var needed = string.Join(", ", hunt.Parameters.Where(p => p.Default is null).Select(p => p.Name));
                leftOut.Add($"{hunt.Name} (needs a value for {needed}: run it with 'sysmon-elastic hunt {hunt.Name} --param ...')");
                continue;
            }
            // The Discover session's ad-hoc data view is the query's own source, as the ES|QL parser reads it.
            var from = Parser.Parse(query).Commands.OfType<From>().First().Patterns[0];
            bundle.Add(EsqlSavedSearch.Create(HuntSearchPrefix + hunt.Name, "Sysmon hunt: " + hunt.Title,
                hunt.Description + (hunt.Attack is { } attack ? $" (ATT&CK {attack})" : ""), from, query));
        }
        var missing = bundle.MissingReferences();
        if (missing.Count > 0)
        {
            // The dashboard names hunts by id: one replaced (--hunts) by a hunt that needs a value would leave a broken panel.
            throw new HuntFileException("the Kibana saved objects refer to objects that are not there: " + string.Join("; ", missing) +
                (leftOut.Count > 0 ? "; left out: " + string.Join("; ", leftOut) + " (give every parameter of a hunt the dashboard shows a default)" : ""));
        }
        return (bundle, leftOut);
    }
}
