using System.Reflection;
using System.Text.Json.Nodes;

namespace Sysmon.Stores.Elasticsearch.Setup;

/// <summary>The kinds of cluster resources, in the order they must be installed (templates before the streams that
/// use them, policies before the pipeline that names them).</summary>
public enum ResourceKind { ComponentTemplate, IndexTemplate, Index, EnrichPolicy, IngestPipeline }

/// <summary>One resource file from <c>resources/</c>: its kind, its name in the cluster and its body.</summary>
public sealed record ClusterResource(ResourceKind Kind, string Name, string Json)
{
    private static readonly (string Folder, ResourceKind Kind)[] Folders =
    [
        ("component-templates", ResourceKind.ComponentTemplate),
        ("index-templates", ResourceKind.IndexTemplate),
        ("indices", ResourceKind.Index),
        ("enrich-policies", ResourceKind.EnrichPolicy),
        ("ingest-pipelines", ResourceKind.IngestPipeline),
    ];

    public JsonObject Body() => JsonNode.Parse(Json)!.AsObject();

    /// <summary>Every embedded resource, in install order.</summary>
    public static IReadOnlyList<ClusterResource> All()
    {
        var assembly = typeof(ClusterResource).Assembly;
        var list = new List<ClusterResource>();
        foreach (var resourceName in assembly.GetManifestResourceNames())
        {
            var parts = resourceName.Split('/');
            if (parts.Length != 3 || parts[0] != "resources" || !parts[2].EndsWith(".json", StringComparison.Ordinal)) continue;
            var kind = Folders.FirstOrDefault(f => f.Folder == parts[1]);
            if (kind.Folder is null) throw new InvalidOperationException($"resource folder '{parts[1]}' has no installer");
            list.Add(new ClusterResource(kind.Kind, parts[2][..^".json".Length], Read(assembly, resourceName)));
        }
        return list.OrderBy(r => r.Kind).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    public static ClusterResource Get(ResourceKind kind, string name) =>
        All().FirstOrDefault(r => r.Kind == kind && r.Name == name) ?? throw new InvalidOperationException($"no {kind} resource named {name}");

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
