namespace Sysmon.Queries;

/// <summary>The known names close to one a user typed that is not among them ("rare-binaries" for "rare-executables",
/// "process.executabl" for "process.executable"): a responder recalls a hunt, feed or field by its gist, and a bare
/// "no hunt named" sent them to a list to read through. Elasticsearch's ES|QL answers an unknown column the same way.</summary>
public static class NameSuggestions
{
    /// <summary>" (did you mean 'a' or 'b'?)", or "" when no known name is close: within a quarter of its length in
    /// single-letter edits, or sharing a word of four letters or more between dashes (not dots: every process.* field
    /// shares "process").</summary>
    public static string DidYouMean(string given, IEnumerable<string> known)
    {
        var words = Words(given);
        var close = known
            .Select(name => (Name: name, Distance: EditDistance(given.ToLowerInvariant(), name.ToLowerInvariant())))
            .Where(c => c.Distance <= Math.Max(1, given.Length / 4) || Words(c.Name).Overlaps(words))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(3)
            .Select(c => $"'{c.Name}'")
            .ToList();
        return close.Count == 0 ? "" : $" (did you mean {string.Join(" or ", close)}?)";
    }

    private static HashSet<string> Words(string name) =>
        new(name.ToLowerInvariant().Split(['-', '_', ' '], StringSplitOptions.RemoveEmptyEntries).Where(w => w.Length >= 4), StringComparer.Ordinal);

    // Levenshtein distance, two rows.
    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
