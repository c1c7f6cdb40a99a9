using System.Text;
using System.Text.Json.Nodes;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Events;
using Sysmon.Ingest.Output;
using Sysmon.Ingest.Reading;

namespace Sysmon.Ingest.Tests.Fixtures;

/// <summary>Runs readers and the mapper in memory, the way the pipeline does.</summary>
public static class Convert
{
    public static readonly PublicSuffixList Psl = PublicSuffixList.FromLines("test",
        ["com", "net", "example", "co.uk", "*.ck", "!www.ck", "s3.amazonaws.com"]);

    public static async Task<List<ReadResult>> ReadAsync(IEventReader reader, string text, string path = "input",
        bool keepOriginal = false)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var results = new List<ReadResult>();
        await foreach (var r in reader.ReadAsync(stream, path, new ReaderOptions { KeepOriginal = keepOriginal })) results.Add(r);
        return results;
    }

    public static async Task<List<SysmonEvent>> EventsAsync(IEventReader reader, string text, string path = "input")
    {
        var results = await ReadAsync(reader, text, path);
        var rejected = results.Where(r => r.Rejected is not null).Select(r => r.Rejected!.Reason).ToList();
        if (rejected.Count > 0) throw new InvalidOperationException("rejected: " + string.Join("; ", rejected));
        return results.Where(r => r.Event is not null).Select(r => r.Event!).ToList();
    }

    /// <summary>The sample events as Winlogbeat lines, read and mapped: one document per Sysmon event id, new objects
    /// on every call (the same ids), with <paramref name="path"/> as their <c>log.file.path</c>.</summary>
    public static async Task<List<EcsDocument>> MappedSamplesAsync(string path = "samples")
    {
        var mapper = Mapper();
        var events = await EventsAsync(new Json.JsonEventReader(), string.Concat(SampleEvents.All.Select(s => EventForms.Beats(s) + "\n")), path);
        return events.Select(mapper.Map).ToList();
    }

    public static EcsMapper Mapper(string? host = null) =>
        new(new EcsMapperOptions { HostName = host, PublicSuffixes = Psl });

    public static JsonObject Ecs(SysmonEvent e, string? host = null) =>
        JsonNode.Parse(EcsJsonWriter.ToJson(Mapper(host).Map(e)))!.AsObject();

    public static async Task<JsonObject> SingleAsync(IEventReader reader, string text, string? host = null)
    {
        var events = await EventsAsync(reader, text);
        if (events.Count != 1) throw new InvalidOperationException($"expected one event, got {events.Count}");
        return Ecs(events[0], host);
    }

    /// <summary>Removes dotted paths from a document (and objects left empty).</summary>
    public static JsonObject Without(JsonObject doc, params string[] paths)
    {
        var copy = doc.DeepClone().AsObject();
        foreach (var path in paths)
        {
            var parts = path.Split('.');
            var node = copy;
            for (var i = 0; i < parts.Length - 1 && node is not null; i++) node = node[parts[i]] as JsonObject;
            node?.Remove(parts[^1]);
        }
        Prune(copy);
        return copy;
    }

    private static void Prune(JsonObject o)
    {
        foreach (var key in o.Select(kv => kv.Key).ToList())
        {
            if (o[key] is JsonObject child)
            {
                Prune(child);
                if (child.Count == 0) o.Remove(key);
            }
        }
    }
}
