using System.Text.Json;

namespace Sysmon.Stores.Elasticsearch.Connection;

/// <summary>A 2xx answer that is not the JSON Elasticsearch sends (a proxy's page, a truncated body) becomes one
/// clear error instead of a parser's stack trace.</summary>
public static class NotJson
{
    public static JsonDocument Parse(byte[] body, string api)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw Error(api, ex);
        }
    }

    public static System.Text.Json.Nodes.JsonNode? Node(byte[] body, string api)
    {
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(body);
        }
        catch (JsonException ex)
        {
            throw Error(api, ex);
        }
    }

    public static ElasticsearchRequestException Error(string api, JsonException ex) =>
        new($"the answer to {api} is not Elasticsearch's JSON ({ex.Message}); is a proxy in the way?", 502);
}
