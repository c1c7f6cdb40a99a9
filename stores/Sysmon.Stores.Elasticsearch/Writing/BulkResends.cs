using System.Globalization;

namespace Sysmon.Stores.Elasticsearch.Writing;

/// <summary>
/// Documents the bulk writer had to send again (a document sent three times counts twice), in how many batches, the
/// last reason the cluster gave, and the request size it fell back to after 413s. Every resend was eventually answered (or the batch threw), so nothing is
/// lost; but a cluster that keeps answering 429 slows ingest by its back-off, and the operator should hear of it.
/// </summary>
public sealed record BulkResends(int Documents, int Batches, string? LastCause, int? ReducedRequestBytes)
{
    public static readonly BulkResends None = new(0, 0, null, null);

    public bool IsNone => Documents == 0 && ReducedRequestBytes is null;

    /// <summary>Both tallies together; the later cause and the smaller request size win.</summary>
    public BulkResends Add(BulkResends later) => later.IsNone
        ? this
        : new BulkResends(Documents + later.Documents, Batches + later.Batches, later.LastCause ?? LastCause,
            Smaller(ReducedRequestBytes, later.ReducedRequestBytes));

    /// <summary>One line for the ingest summary or the worker's log; null when there is nothing to tell.</summary>
    public string? Describe()
    {
        if (IsNone) return null;
        var parts = new List<string>(2);
        if (Documents > 0)
        {
            parts.Add($"Elasticsearch made {Count(Batches, "batch", "batches")} wait: documents were sent again {Count(Documents, "time", "times")} " +
                $"in all, with back-off, after busy answers or lost connections (last: {LastCause ?? "no reason given"}); " +
                "all are accounted for, but if this persists the cluster is short of indexing capacity " +
                "(its write thread pool queue, or its circuit breakers)");
        }
        if (ReducedRequestBytes is { } bytes)
        {
            parts.Add($"Elasticsearch refused bulk requests as too large (413), so they were cut to {Number(bytes / 1024)} KiB; " +
                "raise the cluster's http.max_content_length for faster ingest");
        }
        return string.Join("; ", parts);
    }

    private static string Count(int n, string one, string many) => n == 1 ? $"1 {one}" : $"{Number(n)} {many}";

    private static string Number(int n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static int? Smaller(int? a, int? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
