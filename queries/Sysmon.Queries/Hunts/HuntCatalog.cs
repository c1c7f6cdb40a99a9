using System.Reflection;

namespace Sysmon.Queries.Hunts;

/// <summary>The shipped hunts (embedded resources) and any a user adds from a directory (same name: the user's wins).</summary>
public static class HuntCatalog
{
    public static IReadOnlyList<Hunt> Load(string? userDirectory = null)
    {
        var hunts = new Dictionary<string, Hunt>(StringComparer.Ordinal);
        var assembly = Assembly.GetExecutingAssembly();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("hunts/", StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            var name = Path.GetFileNameWithoutExtension(resource["hunts/".Length..]);
            hunts[name] = Hunt.Parse(name, reader.ReadToEnd());
        }
        if (userDirectory is not null)
        {
            // A mistyped directory must not quietly leave the user's hunts out.
            if (!Directory.Exists(userDirectory)) throw new DirectoryNotFoundException($"hunts directory '{userDirectory}' does not exist");
            foreach (var file in Directory.GetFiles(userDirectory, "*.esql"))
            {
                var name = Path.GetFileNameWithoutExtension(file);
                try
                {
                    hunts[name] = Hunt.Parse(name, File.ReadAllText(file));
                }
                catch (FormatException ex)
                {
                    throw new HuntFileException($"{file}: {ex.Message}");
                }
            }
        }
        return hunts.Values.OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
    }
}
