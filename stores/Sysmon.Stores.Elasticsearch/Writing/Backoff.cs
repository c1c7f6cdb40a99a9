namespace Sysmon.Stores.Elasticsearch.Writing;

/// <summary>Exponential back-off with jitter and a bounded budget: the delay doubles from <see cref="Initial"/> up to
/// <see cref="Max"/>; after <see cref="MaxRetries"/> retries the writer gives up (and nothing is acknowledged).</summary>
public sealed record Backoff
{
    public TimeSpan Initial { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan Max { get; init; } = TimeSpan.FromSeconds(30);
    public int MaxRetries { get; init; } = 8;

    /// <summary>The wait before retry number <paramref name="retry"/> (1-based): Initial·2^(retry-1), capped, ±20 %.</summary>
    public TimeSpan Delay(int retry)
    {
        var exponential = Initial.TotalMilliseconds * Math.Pow(2, Math.Min(retry - 1, 30));
        var capped = Math.Min(exponential, Max.TotalMilliseconds);
        var jitter = 0.8 + Random.Shared.NextDouble() * 0.4;
        return TimeSpan.FromMilliseconds(capped * jitter);
    }
}

public static class BackoffExtensions
{
    /// <summary>Runs <paramref name="operation"/>, retrying lost connections with the back-off until the budget is spent.</summary>
    public static async Task<T> RetryAsync<T>(this Backoff backoff, Func<CancellationToken, Task<T>> operation, CancellationToken ct)
    {
        for (var retry = 0; ; retry++)
        {
            try
            {
                return await operation(ct).ConfigureAwait(false);
            }
            catch (Connection.ElasticsearchUnavailableException e) when (e.Transient && retry < backoff.MaxRetries)
            {
                await Task.Delay(backoff.Delay(retry + 1), ct).ConfigureAwait(false);
            }
        }
    }
}
