using Sysmon.Ingest.Ecs;
using Sysmon.Stores.Elasticsearch.Connection;
using EsMethod = Elastic.Transport.HttpMethod;

namespace Sysmon.Stores.Elasticsearch.Writing;

/// <summary>What became of a batch: how many were stored, how many were there already, and the documents the
/// cluster refused for good (by position in the batch) with its reason.</summary>
public sealed record BulkOutcome(int Stored, int Duplicates, IReadOnlyList<(int Position, string Reason)> Rejected)
{
    /// <summary>The positions in the batch of the documents stored now (not there before), in order.</summary>
    public IReadOnlyList<int> StoredPositions { get; init; } = [];

    /// <summary>How the cluster made the batch wait: sends repeated after busy answers, lost connections or 413s.</summary>
    public BulkResends Resends { get; init; } = BulkResends.None;
}


/// <summary>
/// Writes documents with <c>_bulk</c>: bodies of about <see cref="BulkWriterOptions.MaxRequestBytes"/>, a few in flight
/// (gzip on the wire), and a batch only returns when every document is stored, known as a duplicate (409) or refused
/// for good (mapping or pipeline errors, or diverted into the failure store). Busy answers (429, 5xx), per item or for
/// the whole request, and lost connections are retried with exponential back-off; when the budget runs out it throws,
/// so nothing is ever acknowledged that the cluster did not store.
/// </summary>
public sealed class BulkWriter(ElasticsearchConnection es, BulkWriterOptions? options = null)
{
    private readonly BulkWriterOptions _options = options ?? new BulkWriterOptions();

    // Only what the outcome needs comes back: ids and sources would double the response size.
    private const string Path = "_bulk?filter_path=errors,items.*.status,items.*.error,items.*.failure_store";

    public async Task<BulkOutcome> WriteAsync(string index, IReadOnlyList<EcsDocument> docs, CancellationToken ct, BulkAction action = BulkAction.Create)
    {
        var stored = new List<int>();
        var duplicates = 0;
        var rejected = new List<(int, string)>();
        IReadOnlyList<int> pending = Enumerable.Range(0, docs.Count).ToList();
        var maxBytes = _options.MaxRequestBytes;
        string? lastCause = null;
        var resent = 0;
        for (var retry = 0; pending.Count > 0; retry++)
        {
            if (retry > 0)
            {
                resent += pending.Count;
                if (retry > _options.Backoff.MaxRetries)
                {
                    throw new ElasticsearchUnavailableException($"Elasticsearch at {es.DisplayUrl} did not accept {pending.Count} document(s) after " +
                        $"{_options.Backoff.MaxRetries} retries: {lastCause}");
                }
                await Task.Delay(_options.Backoff.Delay(retry), ct).ConfigureAwait(false);
            }
            var bodies = BulkBody.Build(docs, pending, index, maxBytes, action);
            var again = new List<int>();
            var shrink = false;
            var gate = new object();
            await Parallel.ForEachAsync(bodies, new ParallelOptions { MaxDegreeOfParallelism = _options.MaxInFlight, CancellationToken = ct }, async (body, token) =>
            {
                var result = await SendAsync(body, token).ConfigureAwait(false);
                lock (gate)
                {
                    if (result.TooLarge && body.Documents.Count == 1)
                    {
                        rejected.Add((body.Documents[0], "the document alone is larger than the cluster's http.max_content_length"));
                        return;
                    }
                    if (result.Cause is { } cause)
                    {
                        lastCause = cause;
                        shrink |= result.TooLarge;
                        again.AddRange(body.Documents);
                        return;
                    }
                    for (var i = 0; i < body.Documents.Count; i++)
                    {
                        var item = i < result.Items!.Count ? result.Items[i] : new BulkItemResult(0, "no item in the bulk response", false);
                        var position = body.Documents[i];
                        if (item.Stored) stored.Add(position);
                        else if (item.Duplicate) duplicates++;
                        else if (item.Retry)
                        {
                            lastCause = $"item status {item.Status}{(item.Reason is null ? "" : ": " + item.Reason)}";
                            again.Add(position);
                        }
                        else if (item.FailureStoreUsed)
                        {
                            rejected.Add((position, $"refused by {index} and kept in its failure store ({index}::failures)"));
                        }
                        else rejected.Add((position, $"status {item.Status}: {item.Reason ?? "no reason given"}"));
                    }
                }
            }).ConfigureAwait(false);
            again.Sort();
            pending = again;
            if (shrink) maxBytes = Math.Max(MinRequestBytes, maxBytes / 2); // 413: smaller requests next time
        }
        var resends = new BulkResends(resent, resent == 0 ? 0 : 1, lastCause, maxBytes < _options.MaxRequestBytes ? maxBytes : null);
        stored.Sort();
        return new BulkOutcome(stored.Count, duplicates, rejected) { Resends = resends, StoredPositions = stored };
    }

    private readonly record struct Sent(List<BulkItemResult>? Items, string? Cause, bool TooLarge = false);

    private const int MinRequestBytes = 64 * 1024;

    private async Task<Sent> SendAsync(BulkBody body, CancellationToken ct)
    {
        EsResponse response;
        try
        {
            response = await es.SendAsync(EsMethod.POST, Path, body.Buffer.WrittenMemory, ct, "application/x-ndjson").ConfigureAwait(false);
        }
        catch (ElasticsearchUnavailableException e) when (e.Transient)
        {
            return new Sent(null, e.Message);
        }
        if (response.Status is 429 or 502 or 503 or 504) return new Sent(null, $"the cluster answered {response.Status}: {ErrorReason.Read(response.Body).Reason}");
        if (response.Status == 413) return new Sent(null, "the request was larger than the cluster's http.max_content_length (413)", TooLarge: true);
        if (!response.IsSuccess) throw es.Refused(EsMethod.POST, "_bulk", response);
        return new Sent(BulkItemResult.ReadAll(response.Body), null);
    }
}
