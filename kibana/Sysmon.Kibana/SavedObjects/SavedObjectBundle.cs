using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sysmon.Kibana.SavedObjects;

/// <summary>
/// The saved objects <c>setup kibana</c> imports: the shipped files (<c>kibana/saved-objects/*.ndjson</c>, in
/// Kibana's export format) plus objects built at run time (the stored hunts as ES|QL searches). Written out as one
/// NDJSON file, which is what Kibana's import API and its Saved objects page both take.
/// </summary>
public sealed class SavedObjectBundle
{
    private const string ResourcePrefix = "saved-objects/";
    private readonly List<JsonObject> _objects = [];

    public IReadOnlyList<JsonObject> Objects => _objects;

    /// <summary>The objects of the shipped files, in file-name order (data views first: <c>1-data-views</c>).</summary>
    public static SavedObjectBundle Shipped()
    {
        var bundle = new SavedObjectBundle();
        var assembly = typeof(SavedObjectBundle).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(Open(assembly, name), Encoding.UTF8);
            var lineNumber = 0;
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                if (line.Length == 0) continue;
                var node = JsonNode.Parse(line) as JsonObject
                    ?? throw new FormatException($"{name} line {lineNumber}: not a JSON object");
                bundle.Add(node);
            }
        }
        return bundle;
    }

    private static Stream Open(Assembly assembly, string name) =>
        assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"resource {name} is missing from {assembly.GetName().Name}");

    public void Add(JsonObject savedObject)
    {
        var (type, id) = Key(savedObject);
        if (_objects.Any(o => Key(o) == (type, id)))
        {
            throw new ArgumentException($"saved object {type}/{id} is in the bundle twice");
        }
        _objects.Add(savedObject);
    }

    public static (string Type, string Id) Key(JsonObject savedObject) =>
        (savedObject["type"]?.GetValue<string>() ?? throw new FormatException("a saved object without 'type'"),
         savedObject["id"]?.GetValue<string>() ?? throw new FormatException("a saved object without 'id'"));

    /// <summary>Every reference (an object's own, and those of a dashboard's panels) that names an object of the
    /// types this bundle ships but is not in it: Kibana would import the referrer and show a broken panel.</summary>
    public IReadOnlyList<string> MissingReferences()
    {
        var present = _objects.Select(Key).ToHashSet();
        var missing = new List<string>();
        foreach (var o in _objects)
        {
            var (type, id) = Key(o);
            var references = o["references"]?.AsArray() ?? [];
            foreach (var r in references)
            {
                var target = (r!["type"]!.GetValue<string>(), r["id"]!.GetValue<string>());
                if (!present.Contains(target)) missing.Add($"{type}/{id} refers to {target.Item1}/{target.Item2}, which is not in the bundle");
            }
            if (type == "dashboard")
            {
                var names = references.Select(r => r!["name"]!.GetValue<string>()).ToHashSet();
                foreach (var panel in Panels(o))
                {
                    if (panel["panelRefName"]?.GetValue<string>() is { } refName && !names.Contains($"{panel["panelIndex"]}:{refName}"))
                    {
                        missing.Add($"dashboard/{id} panel {panel["panelIndex"]} names reference {refName}, which the dashboard does not have");
                    }
                }
            }
        }
        return missing;
    }

    /// <summary>A dashboard's panels (its <c>panelsJSON</c>, which Kibana keeps as a JSON string).</summary>
    public static IEnumerable<JsonObject> Panels(JsonObject dashboard) =>
        JsonNode.Parse(dashboard["attributes"]!["panelsJSON"]!.GetValue<string>())!.AsArray().Select(p => p!.AsObject());

    /// <summary>One object per line, as Kibana exports them.</summary>
    public void WriteNdjson(Stream output)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        foreach (var o in _objects)
        {
            o.WriteTo(writer);
            writer.Flush();
            output.WriteByte((byte)'\n');
            writer.Reset();
        }
    }

    public byte[] ToNdjson()
    {
        using var buffer = new MemoryStream();
        WriteNdjson(buffer);
        return buffer.ToArray();
    }
}
