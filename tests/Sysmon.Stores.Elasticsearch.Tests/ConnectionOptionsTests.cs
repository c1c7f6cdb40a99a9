using FluentAssertions;
using Sysmon.Stores.Elasticsearch.Connection;
using Sysmon.Stores.Elasticsearch.Writing;
using Xunit;

namespace Sysmon.Stores.Elasticsearch.Tests;

public sealed class ConnectionOptionsTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] vars) => k => vars.FirstOrDefault(v => v.Key == k).Value;

    [Fact]
    public void Credentials_in_the_url_are_taken_out_and_never_shown()
    {
        var o = ElasticsearchOptions.Parse("https://elastic:s3cr%40t@es.example:9200/", Env());
        o.Username.Should().Be("elastic");
        o.Password.Should().Be("s3cr@t");
        o.DisplayUrl.Should().Be("https://es.example:9200");
        o.ToString().Should().NotContain("s3cr");
        o.Url.UserInfo.Should().BeEmpty();
    }

    [Fact]
    public void Keys_and_trust_come_from_the_environment_and_verification_stays_on_by_default()
    {
        var o = ElasticsearchOptions.Parse("https://es.example:9200", Env((ElasticsearchOptions.ApiKeyVariable, "a2V5"),
            (ElasticsearchOptions.CaFingerprintVariable, "AB:CD"), (ElasticsearchOptions.UsernameVariable, " ")));
        o.ApiKey.Should().Be("a2V5");
        o.CaFingerprint.Should().Be("AB:CD");
        o.Username.Should().BeNull("blank means unset");
        o.Insecure.Should().BeFalse();
        ElasticsearchOptions.Parse("http://localhost:9200", Env((ElasticsearchOptions.InsecureVariable, "true"))).Insecure.Should().BeTrue();
    }

    [Theory]
    [InlineData("ftp://es.example")]
    [InlineData("not a url")]
    public void Anything_but_http_or_https_is_refused(string url)
    {
        var act = () => ElasticsearchOptions.Parse(url, Env());
        act.Should().Throw<ArgumentException>().WithMessage("*http:// or https://*");
    }

    [Fact]
    public async Task An_unreachable_cluster_is_one_line_naming_the_url_without_the_password()
    {
        // A port nobody listens on: the real client, the real socket error.
        var es = new ElasticsearchConnection(ElasticsearchOptions.Parse("http://elastic:hunter2@127.0.0.1:9", Env()));
        var act = () => es.SendAsync(Elastic.Transport.HttpMethod.GET, "/", (string?)null, TestContext.Current.CancellationToken);
        (await act.Should().ThrowAsync<ElasticsearchUnavailableException>())
            .Which.Message.Should().StartWith("Elasticsearch at http://127.0.0.1:9 is unreachable:").And.NotContain("hunter2");
    }

    [Fact]
    public async Task The_bulk_writer_retries_a_lost_connection_then_gives_up_without_acknowledging_anything()
    {
        var es = new ElasticsearchConnection(ElasticsearchOptions.Parse("http://127.0.0.1:9", Env()));
        var writer = new BulkWriter(es, new BulkWriterOptions { Backoff = new Backoff { Initial = TimeSpan.FromMilliseconds(1), MaxRetries = 2 } });
        var doc = new Sysmon.Ingest.Ecs.EcsDocument { Id = "a" };
        doc.Set("@timestamp", "2026-01-05T10:00:00.000Z");
        var act = () => writer.WriteAsync("logs-sysmon-default", [doc], TestContext.Current.CancellationToken);
        (await act.Should().ThrowAsync<ElasticsearchUnavailableException>()).Which.Message.Should().Contain("after 2 retries");
    }

    [Fact]
    public void Backoff_doubles_and_is_capped()
    {
        var b = new Backoff { Initial = TimeSpan.FromSeconds(1), Max = TimeSpan.FromSeconds(10) };
        b.Delay(1).TotalSeconds.Should().BeInRange(0.8, 1.2);
        b.Delay(3).TotalSeconds.Should().BeInRange(3.2, 4.8);
        b.Delay(20).TotalSeconds.Should().BeInRange(8, 12);
    }
}
