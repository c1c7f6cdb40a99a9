using System.Text.Json;

namespace Sysmon.Stores.Elasticsearch.Connection;

/// <summary>Reads a field of a document's <c>_source</c> by its dotted ECS name, whether it was stored nested
/// (<c>{"process":{"entity_id":..}}</c>, as this tool writes) or with dotted keys (as other shippers may).</summary>
public static class SourceFields
{
    public static bool TryGet(JsonElement source, string path, out JsonElement value)
    {
        value = default;
        if (source.ValueKind != JsonValueKind.Object) return false;
        if (source.TryGetProperty(path, out value)) return true;
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        while (dot > 0)
        {
            if (source.TryGetProperty(path[..dot], out var child) && TryGet(child, path[(dot + 1)..], out value)) return true;
            dot = path.IndexOf('.', dot + 1);
        }
        return false;
    }

    public static string? String(JsonElement source, string path) =>
        TryGet(source, path, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
            JsonValueKind.Array when v.GetArrayLength() > 0 => v[0].ValueKind == JsonValueKind.String ? v[0].GetString() : v[0].GetRawText(),
            _ => null,
        } : null;
}
