using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Networks;
using Sysmon.Kibana.Import;
using Xunit;

namespace Sysmon.Kibana.Tests;

/// <summary>
/// A real Kibana for the import tests: the one at <c>SYSMON_TEST_KIBANA_URL</c> (credentials from the usual
/// SYSMON_KIBANA_* / SYSMON_ES_* variables), else Elasticsearch and Kibana started from the official images with the
/// generic Testcontainers builder on a network of their own (security off). With neither, the tests skip with the
/// reason.
/// </summary>
public sealed class KibanaFixture : IAsyncLifetime
{
    public const string UrlVariable = "SYSMON_TEST_KIBANA_URL";
    public const string VersionVariable = "SYSMON_TEST_STACK_VERSION";
    public const string DefaultVersion = "9.2.0";

    private INetwork? _network;
    private IContainer? _elasticsearch;
    private IContainer? _kibana;
    private KibanaOptions? _options;

    public string? SkipReason { get; private set; }

    public KibanaOptions Options
    {
        get
        {
            if (_options is null) Assert.Skip(SkipReason ?? "no Kibana");
            return _options!;
        }
    }

    public async ValueTask InitializeAsync()
    {
        var url = Environment.GetEnvironmentVariable(UrlVariable);
        if (url is null)
        {
            var version = Environment.GetEnvironmentVariable(VersionVariable) ?? DefaultVersion;
            try
            {
                _network = new NetworkBuilder().Build();
                await _network.CreateAsync().ConfigureAwait(false);
                _elasticsearch = new ContainerBuilder("docker.elastic.co/elasticsearch/elasticsearch:" + version)
                    .WithNetwork(_network).WithNetworkAliases("elasticsearch")
                    .WithEnvironment("discovery.type", "single-node")
                    .WithEnvironment("xpack.security.enabled", "false")
                    .WithEnvironment("ingest.geoip.downloader.enabled", "false")
                    .WithEnvironment("ES_JAVA_OPTS", "-Xms1g -Xmx1g")
                    .WithPortBinding(9200, true)
                    .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(9200).ForPath("/_cluster/health?wait_for_status=yellow")))
                    .Build();
                await _elasticsearch.StartAsync().ConfigureAwait(false);
                _kibana = new ContainerBuilder("docker.elastic.co/kibana/kibana:" + version)
                    .WithNetwork(_network)
                    .WithEnvironment("ELASTICSEARCH_HOSTS", "http://elasticsearch:9200")
                    .WithPortBinding(5601, true)
                    .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(5601).ForPath("/api/status")))
                    .Build();
                await _kibana.StartAsync().ConfigureAwait(false);
                url = $"http://{_kibana.Hostname}:{_kibana.GetMappedPublicPort(5601)}";
            }
            catch (DockerUnavailableException e)
            {
                SkipReason = $"no Kibana: {UrlVariable} is not set and no Docker engine is reachable here ({e.Message.Split('\n')[0].Trim()})";
                return;
            }
            catch (Exception e)
            {
                SkipReason = $"no Kibana: the {version} containers did not start ({e.GetType().Name}: {e.Message.Split('\n')[0].Trim()})";
                return;
            }
        }
        _options = KibanaOptions.Parse(url, null);
    }

    public async ValueTask DisposeAsync()
    {
        if (_kibana is not null) await _kibana.DisposeAsync().ConfigureAwait(false);
        if (_elasticsearch is not null) await _elasticsearch.DisposeAsync().ConfigureAwait(false);
        if (_network is not null) await _network.DisposeAsync().ConfigureAwait(false);
    }
}
