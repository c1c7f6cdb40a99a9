using System.Collections.Frozen;

namespace Sysmon.Ingest.Ecs;

/// <summary>
/// The Public Suffix List (publicsuffix.org) read from a local file, never from the network. Debian's
/// <c>publicsuffix</c> package installs it at /usr/share/publicsuffix/public_suffix_list.dat.
/// </summary>
public sealed class PublicSuffixList
{
    public const string DefaultPath = "/usr/share/publicsuffix/public_suffix_list.dat";

    private readonly FrozenSet<string> _rules;
    private readonly FrozenSet<string> _wildcards; // "*.ck" stored as "ck"
    private readonly FrozenSet<string> _exceptions; // "!www.ck" stored as "www.ck"

    public string Source { get; }

    private PublicSuffixList(string source, IEnumerable<string> lines)
    {
        Source = source;
        var rules = new HashSet<string>(StringComparer.Ordinal);
        var wild = new HashSet<string>(StringComparer.Ordinal);
        var exc = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal)) continue;
            var space = line.IndexOfAny([' ', '\t']);
            if (space > 0) line = line[..space];
            line = line.ToLowerInvariant();
            if (line.StartsWith('!')) exc.Add(line[1..]);
            else if (line.StartsWith("*.", StringComparison.Ordinal)) wild.Add(line[2..]);
            else rules.Add(line);
        }
        _rules = rules.ToFrozenSet(StringComparer.Ordinal);
        _wildcards = wild.ToFrozenSet(StringComparer.Ordinal);
        _exceptions = exc.ToFrozenSet(StringComparer.Ordinal);
    }

    public static PublicSuffixList FromLines(string source, IEnumerable<string> lines) => new(source, lines);

    /// <summary>Loads the list from <paramref name="path"/> (or the default location); null when absent.</summary>
    public static PublicSuffixList? TryLoad(string? path = null)
    {
        var file = path ?? Environment.GetEnvironmentVariable("SYSMON_PUBLIC_SUFFIX_LIST") ?? DefaultPath;
        return File.Exists(file) ? new PublicSuffixList(file, File.ReadLines(file)) : null;
    }

    /// <summary>Splits a host name into registered domain, subdomain and top-level domain (the public suffix).</summary>
    public bool TrySplit(string host, out string registeredDomain, out string? subdomain, out string topLevelDomain)
    {
        registeredDomain = topLevelDomain = "";
        subdomain = null;
        var name = host.Trim().TrimEnd('.').ToLowerInvariant();
        if (name.Length == 0 || name.Contains(' ')) return false;
        var labels = name.Split('.');
        if (labels.Length < 2 || labels.Any(l => l.Length == 0)) return false;

        // Longest matching rule decides the suffix length (in labels); the default rule "*" gives 1.
        var suffixLabels = 1;
        for (var i = 0; i < labels.Length; i++)
        {
            var candidate = string.Join('.', labels, i, labels.Length - i);
            var count = labels.Length - i;
            if (_exceptions.Contains(candidate))
            {
                suffixLabels = count - 1;
                break;
            }
            if (_rules.Contains(candidate) && count > suffixLabels) suffixLabels = count;
            if (i + 1 < labels.Length && _wildcards.Contains(string.Join('.', labels, i + 1, labels.Length - i - 1)) &&
                count > suffixLabels)
            {
                suffixLabels = count;
            }
        }
        if (suffixLabels >= labels.Length) return false; // the name is itself a public suffix
        topLevelDomain = string.Join('.', labels, labels.Length - suffixLabels, suffixLabels);
        registeredDomain = string.Join('.', labels, labels.Length - suffixLabels - 1, suffixLabels + 1);
        var subLabels = labels.Length - suffixLabels - 1;
        subdomain = subLabels > 0 ? string.Join('.', labels, 0, subLabels) : null;
        return true;
    }
}
