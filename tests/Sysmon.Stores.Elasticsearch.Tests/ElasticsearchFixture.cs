using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using Sysmon.Stores.Elasticsearch.Connection;
using Sysmon.Stores.Elasticsearch.Setup;
using Xunit;

namespace Sysmon.Stores.Elasticsearch.Tests;

/// <summary>
/// A real Elasticsearch for the integration tests: the cluster at <c>SYSMON_TEST_ES_URL</c> (credentials and trust
/// from the usual SYSMON_ES_* variables), else a throw-away container of the official image started with the generic
/// Testcontainers builder (single node, security off, 1 GB heap). With neither, every test that needs it is skipped
/// with the reason. Setup runs once, so every test starts from installed resources.
/// </summary>
public sealed class ElasticsearchFixture : IAsyncLifetime
{
    public const string UrlVariable = "SYSMON_TEST_ES_URL";
    public const string ImageVariable = "SYSMON_TEST_ES_IMAGE";
    public const string DefaultImage = "docker.elastic.co/elasticsearch/elasticsearch:9.2.0";

    private IContainer? _container;
    private ElasticsearchConnection? _connection;

    public string? SkipReason { get; private set; }

    /// <summary>The connection, or a skip of the calling test with the reason.</summary>
    public ElasticsearchConnection Connection
    {
        get
        {
            if (_connection is null) Assert.Skip(SkipReason ?? "no Elasticsearch");
            return _connection!;
        }
    }

    public async ValueTask InitializeAsync()
    {
        var url = Environment.GetEnvironmentVariable(UrlVariable);
        if (url is null)
        {
            try
            {
                _container = new ContainerBuilder(Environment.GetEnvironmentVariable(ImageVariable) ?? DefaultImage)
                    .WithPortBinding(9200, true)
                    .WithEnvironment("discovery.type", "single-node")
                    .WithEnvironment("ingest.geoip.downloader.enabled", "false")
                    .WithEnvironment("xpack.security.enabled", "false")
                    .WithEnvironment("xpack.security.http.ssl.enabled", "false")
                    .WithEnvironment("ES_JAVA_OPTS", "-Xms1g -Xmx1g")
                    .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(9200).ForPath("/_cluster/health?wait_for_status=yellow")))
                    .Build();
                await _container.StartAsync().ConfigureAwait(false);
                url = $"http://{_container.Hostname}:{_container.GetMappedPublicPort(9200)}";
            }
            catch (DockerUnavailableException e)
            {
                SkipReason = $"no Elasticsearch: {UrlVariable} is not set and no Docker engine is reachable here ({FirstLine(e.Message)})";
                return;
            }
            catch (Exception e)
            {
                // A Docker engine that cannot pull or start the image (offline, no space) is an environment without
                // Elasticsearch too; the reason names the image and the error.
                SkipReason = $"no Elasticsearch: the container {Environment.GetEnvironmentVariable(ImageVariable) ?? DefaultImage} did not start ({e.GetType().Name}: {FirstLine(e.Message)})";
                return;
            }
        }
        var connection = new ElasticsearchConnection(ElasticsearchOptions.Parse(url));
        try
        {
            await new ClusterSetup(connection).InstallAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (ElasticsearchUnavailableException e)
        {
            SkipReason = $"{UrlVariable}: {e.Message}";
            return;
        }
        _connection = connection;
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    public async ValueTask DisposeAsync()
    {
        if (_container is not null) await _container.DisposeAsync().ConfigureAwait(false);
    }
}
