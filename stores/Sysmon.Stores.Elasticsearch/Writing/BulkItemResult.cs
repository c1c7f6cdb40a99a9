using System.Text.Json;
using Sysmon.Stores.Elasticsearch.Connection;

namespace Sysmon.Stores.Elasticsearch.Writing;

/// <summary>What the cluster did with one item of a bulk request.</summary>
public readonly record struct BulkItemResult(int Status, string? Reason, bool FailureStoreUsed)
{
    /// <summary>Stored for good: 200/201, and not diverted into the failure store (which answers 201 too).</summary>
    public bool Stored => Status is 200 or 201 && !FailureStoreUsed;

    /// <summary>Already stored: the id exists in the write index.</summary>
    public bool Duplicate => Status == 409;

    /// <summary>Worth sending again: the cluster was busy (429) or a shard was unavailable (5xx).</summary>
    public bool Retry => Status == 429 || Status >= 500;

    /// <summary>Reads the <c>items</c> of a bulk response, in request order.</summary>
    public static List<BulkItemResult> ReadAll(byte[] response)
    {
        using var doc = NotJson.Parse(response, "_bulk");
        var results = new List<BulkItemResult>();
        if (!doc.RootElement.TryGetProperty("items", out var items)) return results;
        foreach (var item in items.EnumerateArray())
        {
            foreach (var action in item.EnumerateObject())
            {
                var body = action.Value;
                var status = body.TryGetProperty("status", out var s) ? s.GetInt32() : 0;
                string? reason = null;
                if (body.TryGetProperty("error", out var error))
                {
                    var (type, text) = ErrorReason.Describe(error);
                    reason = type is null ? text : $"{type}: {text}";
                }
                var failureStore = body.TryGetProperty("failure_store", out var fs) && fs.ValueKind == JsonValueKind.String && fs.GetString() == "used";
                results.Add(new BulkItemResult(status, reason, failureStore));
                break;
            }
        }
        return results;
    }
}
