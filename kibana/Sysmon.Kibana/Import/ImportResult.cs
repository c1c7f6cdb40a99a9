using System.Text.Json.Nodes;

namespace Sysmon.Kibana.Import;

/// <summary>One object Kibana did not import, with its reason (<c>missing_references</c>, <c>conflict</c>,
/// <c>unsupported_type</c>, <c>unknown</c>, ...) and, for missing references, what was missing.</summary>
public sealed record ImportError(string Type, string Id, string? Title, string Reason, string? Detail);

/// <summary>What <c>POST /api/saved_objects/_import</c> answered.</summary>
public sealed record ImportResult(bool Success, int SuccessCount, IReadOnlyList<ImportError> Errors)
{
    public static ImportResult Parse(string json)
    {
        var root = JsonNode.Parse(json)?.AsObject() ?? throw new FormatException("Kibana's import answer is not a JSON object");
        var errors = new List<ImportError>();
        foreach (var e in root["errors"]?.AsArray() ?? [])
        {
            var error = e!["error"];
            var reason = error?["type"]?.GetValue<string>() ?? "unknown";
            string? detail = reason switch
            {
                "missing_references" => string.Join(", ", (error!["references"]?.AsArray() ?? []).Select(r => $"{r!["type"]}/{r["id"]}")),
                _ => error?["message"]?.GetValue<string>() ?? error?["statusCode"]?.ToString(),
            };
            errors.Add(new ImportError(e["type"]?.GetValue<string>() ?? "?", e["id"]?.GetValue<string>() ?? "?",
                e["meta"]?["title"]?.GetValue<string>() ?? e["title"]?.GetValue<string>(), reason, detail));
        }
        return new ImportResult(root["success"]?.GetValue<bool>() ?? false, root["successCount"]?.GetValue<int>() ?? 0, errors);
    }
}
