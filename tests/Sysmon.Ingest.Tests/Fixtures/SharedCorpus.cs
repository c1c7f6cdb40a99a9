using Xunit;
using System.Runtime.CompilerServices;

namespace Sysmon.Ingest.Tests.Fixtures;

/// <summary>
/// The shared real-data corpus (../shared beside the repository). A user's fresh clone has none: tests that
/// need it skip with the reason.
/// </summary>
public static class SharedCorpus
{
    public static string? Root { get; } = Find();

    private static string? Find([CallerFilePath] string here = "")
    {
        var env = Environment.GetEnvironmentVariable("SYSMON_SHARED_DIR");
        if (env is not null && Directory.Exists(env)) return env;
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(here)!); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "corpus"))) return candidate;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "corpus"))) return candidate;
        }
        return null;
    }

    /// <summary>The path of a file under shared/, or a skip of the calling test.</summary>
    public static string Require(string relative)
    {
        if (Root is null) Xunit.Assert.Skip("../shared (the real-data corpus) is not present beside this checkout");
        var path = Path.Combine(Root, relative);
        if (!File.Exists(path) && !Directory.Exists(path)) Xunit.Assert.Skip($"{path} is not present");
        return path;
    }

    public sealed record TruthRow(string File, int Records, string EventIds, string Channel, string First, string Last, string Notes)
    {
        public Dictionary<int, int> Ids => ParseIds(EventIds);

        /// <summary>Counts of the Sysmon records only (the notes say them for mixed files).</summary>
        public Dictionary<int, int> SysmonIds
        {
            get
            {
                const string marker = "Sysmon-only ids: ";
                var i = Notes.IndexOf(marker, StringComparison.Ordinal);
                if (i >= 0)
                {
                    var text = Notes[(i + marker.Length)..];
                    var end = text.IndexOf(';');
                    return ParseIds(end < 0 ? text : text[..end]);
                }
                return Channel.Contains("Sysmon", StringComparison.Ordinal) ? Ids : [];
            }
        }

        private static Dictionary<int, int> ParseIds(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(':')).ToDictionary(p => int.Parse(p[0]), p => int.Parse(p[1]));
    }

    public static IReadOnlyList<TruthRow> GroundTruth()
    {
        var path = Require("corpus/GROUND_TRUTH.tsv");
        return File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t'))
            .Select(c => new TruthRow(c[0], int.Parse(c[1]), c[2], c[3], c[4], c[5], c.Length > 6 ? c[6] : ""))
            .ToList();
    }

    /// <summary>Corpus files listed in GROUND_TRUTH.tsv, for theories (empty when the corpus is absent).</summary>
    public static TheoryData<string> Files(Func<string, bool> predicate)
    {
        var data = new TheoryData<string>();
        if (Root is null)
        {
            data.Add("(corpus absent)");
            return data;
        }
        foreach (var line in File.ReadLines(Path.Combine(Root, "corpus", "GROUND_TRUTH.tsv")).Skip(1))
        {
            var file = line.Split('\t')[0];
            if (file.Length > 0 && predicate(file)) data.Add(file);
        }
        return data;
    }
}
