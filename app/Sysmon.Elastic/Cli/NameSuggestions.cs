namespace Sysmon.Elastic.Cli;

/// <summary>The known names close to one a user typed that is not among them ("rare-binaries" for "rare-executables",
/// "urlhaus-domian" for "urlhaus-domains"): a responder recalls a hunt or feed by its gist, and a bare "no hunt named"
/// sent them to a list to read through.</summary>
public static class NameSuggestions
{
    /// <summary>" (did you mean 'a' or 'b'?)", or "" when no known name is close: within a third of its length in
    /// single-letter edits, or sharing a word of four letters or more.</summary>
    public static string DidYouMean(string given, IEnumerable<string> known)
    {
        var words = Words(given);
        var close = known
            .Select(name => (Name: name, Distance: EditDistance(given.ToLowerInvariant(), name.ToLowerInvariant())))
            .Where(c => c.Distance <= Math.Max(2, given.Length / 3) || Words(c.Name).Overlaps(words))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(3)
            .Select(c => $"'{c.Name}'")
            .ToList();
        return close.Count == 0 ? "" : $" (did you mean {string.Join(" or ", close)}?)";
    }

    private static HashSet<string> Words(string name) =>
        new(name.ToLowerInvariant().Split(['-', '_', '.', ' '], StringSplitOptions.RemoveEmptyEntries).Where(w => w.Length >= 4), StringComparer.Ordinal);

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
