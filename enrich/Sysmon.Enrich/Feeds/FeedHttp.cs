using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace Sysmon.Enrich.Feeds;

/// <summary>
/// The HttpClient feeds are fetched with: from IHttpClientFactory, with the standard resilience pipeline
/// (per-attempt timeout, retries with exponential back-off on 5xx/408/429 and connection errors, an overall limit).
/// </summary>
public static class FeedHttp
{
    public const string ClientName = "feeds";

    public static IHttpClientBuilder AddFeedHttpClient(this IServiceCollection services, TimeSpan? attemptTimeout = null, int retries = 3)
    {
        var attempt = attemptTimeout ?? TimeSpan.FromSeconds(30);
        var builder = services.AddHttpClient(ClientName, c =>
        {
            c.DefaultRequestHeaders.UserAgent.ParseAdd("sysmon-elastic-feeds/1.0");
            c.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline owns the timeouts
        });
        builder.AddStandardResilienceHandler(o =>
        {
            o.AttemptTimeout.Timeout = attempt;
            o.Retry.MaxRetryAttempts = Math.Max(retries, 1);
            o.Retry.Delay = TimeSpan.FromMilliseconds(200);
            o.CircuitBreaker.SamplingDuration = attempt * 2 + TimeSpan.FromSeconds(1);
            o.TotalRequestTimeout.Timeout = attempt * (retries + 1) + TimeSpan.FromSeconds(5);
        });
        return builder;
    }

    /// <summary>A client for command-line use, outside a host.</summary>
    public static HttpClient CreateClient(TimeSpan? attemptTimeout = null, int retries = 3)
    {
        var services = new ServiceCollection();
        services.AddFeedHttpClient(attemptTimeout, retries);
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient(ClientName);
    }
}
