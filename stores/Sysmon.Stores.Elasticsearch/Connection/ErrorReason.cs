using System.Text.Json;

namespace Sysmon.Stores.Elasticsearch.Connection;

/// <summary>Reads Elasticsearch's error body (<c>{"error":{"type":..,"reason":..,"root_cause":[..]}}</c>) into one line.</summary>
public static class ErrorReason
{
    public static (string? Type, string Reason) Read(ReadOnlySpan<byte> body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body.ToArray());
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var error))
            {
                return Describe(error);
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page): show its start.
        }
        var text = System.Text.Encoding.UTF8.GetString(body);
        return (null, text.Length > 200 ? text[..200] + "..." : text);
    }

    public static (string? Type, string Reason) Describe(JsonElement error)
    {
        if (error.ValueKind == JsonValueKind.String) return (null, error.GetString() ?? "");
        var type = error.TryGetProperty("type", out var t) ? t.GetString() : null;
        var reason = error.TryGetProperty("reason", out var r) ? r.GetString() ?? "" : error.GetRawText();
        // The caused_by chain often holds the useful part ("failed to parse field [destination.ip] ... 'x' is not an IP").
        if (error.TryGetProperty("caused_by", out var cause) && cause.TryGetProperty("reason", out var cr) && cr.GetString() is { } inner && !reason.Contains(inner, StringComparison.Ordinal))
        {
            reason += ": " + inner;
        }
        return (type, reason);
    }
}
