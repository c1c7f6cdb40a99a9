using System.Text.Json;
using Sysmon.Stores.Elasticsearch.Connection;
using EsMethod = Elastic.Transport.HttpMethod;

namespace Sysmon.Stores.Elasticsearch.Writing;

/// <summary>
/// Idempotency across rollover. <c>op_type=create</c> answers 409 for an id only within the current write index; once
/// the data stream has rolled over, the same event written again would be a second copy. So while the stream has more
/// than one backing index, the ids of each batch are first looked up across the whole stream (an <c>ids</c> query, no
/// source) and those found are counted as duplicates and not sent. With one backing index the check costs nothing.
/// </summary>
public sealed class StoredIdCheck(ElasticsearchConnection es, string dataStream, Backoff? backoff = null)
{
    private readonly Backoff _backoff = backoff ?? new Backoff();
    private DateTime _checkedAt = DateTime.MinValue;
    private bool _rolledOver;

    /// <summary>How long the backing-index count is trusted before it is asked again.</summary>
    public TimeSpan RecheckAfter { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The ids of <paramref name="ids"/> already stored in a backing index other than the write index (or any).
    /// The first call fails fast when the cluster is unreachable; later calls ride out outages with the back-off.</summary>
    public async Task<HashSet<string>> FindStoredAsync(IReadOnlyList<string> ids, CancellationToken ct)
    {
        if (_checkedAt == DateTime.MinValue) return await FindCoreAsync(ids, ct).ConfigureAwait(false);
        return await _backoff.RetryAsync(token => FindCoreAsync(ids, token), ct).ConfigureAwait(false);
    }

    private async Task<HashSet<string>> FindCoreAsync(IReadOnlyList<string> ids, CancellationToken ct)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (ids.Count == 0 || !await RolledOverAsync(ct).ConfigureAwait(false)) return found;
        for (var start = 0; start < ids.Count; start += 5000)
        {
            var slice = ids.Skip(start).Take(5000).ToList();
            var body = JsonSerializer.Serialize(new { size = slice.Count, _source = false, query = new { ids = new { values = slice } } });
            var response = await es.SendAsync(EsMethod.POST, $"{dataStream}/_search?filter_path=hits.hits._id", body, ct).ConfigureAwait(false);
            if (response.Status == 404) return found;
            if (!response.IsSuccess) throw es.Refused(EsMethod.POST, dataStream + "/_search", response);
            using var doc = NotJson.Parse(response.Body, "_search");
            if (doc.RootElement.TryGetProperty("hits", out var hits) && hits.TryGetProperty("hits", out var list))
            {
                foreach (var hit in list.EnumerateArray()) found.Add(hit.GetProperty("_id").GetString()!);
            }
        }
        return found;
    }

    private async Task<bool> RolledOverAsync(CancellationToken ct)
    {
        if (DateTime.UtcNow - _checkedAt < RecheckAfter) return _rolledOver;
        var response = await es.SendAsync(EsMethod.GET, "_data_stream/" + dataStream, (string?)null, ct).ConfigureAwait(false);
        _rolledOver = response.IsSuccess && BackingIndexCount(response.Body) > 1;
        _checkedAt = DateTime.UtcNow;
        return _rolledOver;
    }

    internal static int BackingIndexCount(byte[] body)
    {
        using var doc = NotJson.Parse(body, "_data_stream");
        return doc.RootElement.TryGetProperty("data_streams", out var streams) && streams.GetArrayLength() > 0
            ? streams[0].GetProperty("indices").GetArrayLength()
            : 0;
    }
}
