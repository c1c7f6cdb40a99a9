using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;
using Sysmon.Elastic.Worker;
using Sysmon.Enrich;
using Sysmon.Enrich.Feeds;
using Sysmon.Enrich.Matching;
using Sysmon.Enrich.Tests;
using Sysmon.Stores.DuckDb;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>The worker's stop with a scheduled job under way, on a real Quartz scheduler in a real host.</summary>
public sealed class WorkerStopTests
{
    [Fact]
    public async Task Stopping_interrupts_a_feed_refresh_under_way_instead_of_waiting_for_it()
    {
        var dir = Directory.CreateTempSubdirectory("sysmon-worker-stop-").FullName;
        try
        {
            using var server = new LocalHttpServer();
            using var stall = new CancellationTokenSource();
            var asked = new TaskCompletionSource();
            // A feed whose download starts and then stalls: the refresh is under way when the worker is told to stop.
            server.Handler = async (_, res) =>
            {
                res.ContentLength64 = 1_000_000;
                await res.OutputStream.WriteAsync("198.51.100.1\n"u8.ToArray());
                await res.OutputStream.FlushAsync();
                asked.TrySetResult();
                await Task.Delay(TimeSpan.FromMinutes(2), stall.Token);
            };
            var feed = new FeedDefinition { Name = "stalled", Url = server.Url + "list.txt", Format = "plain", Schedule = "0 0 3 * * ?" };
            using var store = DuckDbStore.Open(Path.Combine(dir, "s.duckdb"));
            var registry = new FeedRegistry([feed]);

            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Services.AddSingleton<IIndicatorStore>(new DuckDbIndicatorStore(store));
            builder.Services.AddSingleton(sp => new FeedRefresher(new FeedDownloader(new HttpClient()), sp.GetRequiredService<IIndicatorStore>()));
            builder.Services.AddSingleton<IndicatorSetHolder>();
            builder.Services.AddSingleton(registry);
            builder.Services.AddQuartz(q => FeedRefreshJob.Schedule(q, registry.Feeds));
            builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
            builder.Services.AddHostedService<RunningJobsInterrupter>(); // as `run` registers it
            using var host = builder.Build();
            await host.StartAsync(TestContext.Current.CancellationToken);
            await asked.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

            var watch = System.Diagnostics.Stopwatch.StartNew();
            await host.StopAsync(TestContext.Current.CancellationToken);
            watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "the refresh is interrupted; Quartz alone waits for it until the host gives up (30 s)");
            var state = await host.Services.GetRequiredService<IIndicatorStore>().GetFeedStateAsync("stalled", TestContext.Current.CancellationToken);
            state?.LastError.Should().BeNull("a refresh stopped with the worker did not fail: it runs again at the next start");
            await stall.CancelAsync();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
