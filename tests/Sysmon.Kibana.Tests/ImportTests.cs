using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using Sysmon.Kibana.Import;
using Xunit;

namespace Sysmon.Kibana.Tests;

/// <summary>The importer's own parts: options from the command line and environment, the import request's body,
/// reading Kibana's answers (as its API reference documents them), and an unreachable Kibana.</summary>
public sealed class ImportTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] values) =>
        key => values.FirstOrDefault(v => v.Key == key).Value;

    [Fact]
    public void Credentials_come_from_the_url_then_kibana_variables_then_the_elasticsearch_ones()
    {
        var fromUrl = KibanaOptions.Parse("https://analyst:s3cret@kibana.example:5601/base", null, Env(("SYSMON_KIBANA_USERNAME", "other")));
        fromUrl.Username.Should().Be("analyst");
        fromUrl.Password.Should().Be("s3cret");
        fromUrl.DisplayUrl.Should().Be("https://kibana.example:5601/base").And.NotContain("s3cret");
        fromUrl.ToString().Should().NotContain("s3cret");

        var kibanaVars = KibanaOptions.Parse(null, null, Env(("SYSMON_KIBANA_URL", "http://k:5601"), ("SYSMON_KIBANA_USERNAME", "kib"), ("SYSMON_KIBANA_PASSWORD", "p1"),
            ("SYSMON_ES_USERNAME", "elastic"), ("SYSMON_ES_PASSWORD", "p2")));
        (kibanaVars.DisplayUrl, kibanaVars.Username, kibanaVars.Password).Should().Be(("http://k:5601", "kib", "p1"));

        var esVars = KibanaOptions.Parse(null, null, Env(("SYSMON_ES_API_KEY", "a2V5"), ("SYSMON_ES_USERNAME", "elastic")));
        (esVars.DisplayUrl, esVars.ApiKey, esVars.Username).Should().Be((KibanaOptions.DefaultUrl, "a2V5", "elastic"));
    }

    [Fact]
    public void The_space_goes_into_every_api_path_and_a_bad_url_or_space_is_refused()
    {
        KibanaOptions.Parse("http://k:5601/", "soc-team", Env()).Api("/api/status").Should().Be(new Uri("http://k:5601/s/soc-team/api/status"));
        KibanaOptions.Parse("http://k:5601/kibana", "default", Env()).Api("/api/status").Should().Be(new Uri("http://k:5601/kibana/api/status"));
        var badUrl = () => KibanaOptions.Parse("kibana:5601", null, Env());
        badUrl.Should().Throw<ArgumentException>().WithMessage("*not an http(s) URL*");
        var leaked = () => KibanaOptions.Parse("ftp://u:pw@k", null, Env());
        leaked.Should().Throw<ArgumentException>().Which.Message.Should().NotContain("pw");
        var badSpace = () => KibanaOptions.Parse(null, "SOC Team", Env());
        badSpace.Should().Throw<ArgumentException>().WithMessage("*space id*");
    }

    [Fact]
    public async Task The_import_body_is_one_ndjson_file_in_the_form_field_kibana_reads()
    {
        var ndjson = "{\"type\":\"index-pattern\",\"id\":\"a\",\"attributes\":{\"title\":\"logs-sysmon-*\"}}\n"u8.ToArray();
        using var content = KibanaClient.ImportContent(ndjson);
        content.Headers.ContentType!.MediaType.Should().Be("multipart/form-data");
        var part = content.Single();
        part.Headers.ContentDisposition!.Name!.Trim('"').Should().Be("file");
        part.Headers.ContentDisposition.FileName!.Trim('"').Should().EndWith(".ndjson", "Kibana refuses an import file of another extension");
        (await part.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Should().Equal(ndjson);
        var body = await content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        body.Should().Contain("Content-Disposition: form-data; name=\"file\"; filename=\"sysmon-elastic.ndjson\"").And.NotContain("filename*");
    }

    [Fact]
    public void Kibanas_answers_are_read_with_each_failed_object_and_its_reason()
    {
        var ok = ImportResult.Parse("""{"success":true,"successCount":15,"successResults":[{"type":"dashboard","id":"sysmon-elastic-overview","meta":{"title":"x"}}],"warnings":[]}""");
        (ok.Success, ok.SuccessCount, ok.Errors.Count).Should().Be((true, 15, 0));
        var partial = ImportResult.Parse("""
            {"success":false,"successCount":1,"errors":[
              {"id":"sysmon-elastic-overview","type":"dashboard","meta":{"title":"[Sysmon.Elastic] Fleet overview","icon":"dashboardApp"},
               "error":{"type":"missing_references","references":[{"type":"search","id":"sysmon-elastic-hunt-x"}]}},
              {"id":"y","type":"search","title":"Y","error":{"type":"unknown","message":"Unsupported saved object type","statusCode":400}}],"warnings":[]}
            """);
        partial.Success.Should().BeFalse();
        partial.SuccessCount.Should().Be(1);
        partial.Errors.Should().Equal(
            new ImportError("dashboard", "sysmon-elastic-overview", "[Sysmon.Elastic] Fleet overview", "missing_references", "search/sysmon-elastic-hunt-x"),
            new ImportError("search", "y", "Y", "unknown", "Unsupported saved object type"));
    }

    [Theory]
    [InlineData(200, """{"name":"kb","status":{"overall":{"level":"available","summary":"All services are available"}}}""", true)]
    [InlineData(200, """{"status":{"overall":{"level":"degraded","summary":"1 service is degraded: reporting"}}}""", true)]
    [InlineData(503, """{"status":{"overall":{"level":"unavailable","summary":"elasticsearch: Unable to retrieve version information"}}}""", false)]
    [InlineData(200, """{"status":{"overall":{"level":"critical"}}}""", false)]
    [InlineData(200, """{"status":{"overall":{"state":"green"}}}""", true)]
    [InlineData(503, "Kibana server is not ready yet", false)]
    public void Kibana_is_ready_when_available_or_degraded_and_not_while_starting(int status, string body, bool ready) =>
        KibanaClient.IsReady(status, KibanaClient.OverallLevel(body)).Should().Be(ready);

    // A port that was free a moment ago.
    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task Something_other_than_kibana_at_the_url_is_a_clear_error_not_a_crash()
    {
        // A web server that is not Kibana (a proxy's login page): it answers every request with HTML.
        var port = FreePort();
        using var http = new HttpListener();
        http.Prefixes.Add($"http://127.0.0.1:{port}/");
        http.Start();
        var serving = Task.Run(async () =>
        {
            while (http.IsListening)
            {
                HttpListenerContext context;
                try { context = await http.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                var page = "<html><body>Please sign in</body></html>"u8.ToArray();
                context.Response.ContentType = "text/html";
                await context.Response.OutputStream.WriteAsync(page);
                context.Response.Close();
            }
        }, TestContext.Current.CancellationToken);
        using var client = new KibanaClient(KibanaOptions.Parse($"http://127.0.0.1:{port}", null, Env()));
        var import = () => client.ImportAsync("{}\n"u8.ToArray(), TestContext.Current.CancellationToken);
        (await import.Should().ThrowAsync<KibanaRequestException>()).Which.Message.Should().Contain("something other than Kibana's JSON").And.Contain("Please sign in");
        var wait = () => client.WaitUntilAvailableAsync(TimeSpan.Zero, null, TestContext.Current.CancellationToken);
        (await wait.Should().ThrowAsync<KibanaUnavailableException>()).Which.Message.Should().Contain("HTTP 200, status unknown");
        http.Stop();
        await serving;
    }

    [Fact]
    public async Task A_kibana_that_never_answers_fails_after_the_wait_with_the_reason()
    {
        var port = FreePort(); // nothing listens there
        using var client = new KibanaClient(KibanaOptions.Parse($"http://127.0.0.1:{port}", null, Env()));
        var progress = new List<string>();
        var started = DateTime.UtcNow;
        var act = () => client.WaitUntilAvailableAsync(TimeSpan.FromSeconds(3), progress.Add, TestContext.Current.CancellationToken);
        (await act.Should().ThrowAsync<KibanaUnavailableException>()).Which.Message.Should().Contain($"127.0.0.1:{port}").And.Contain("not available after 3 s");
        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(15));
        progress.Should().ContainSingle("the same reason is said once, not every two seconds").Which.Should().Contain("waiting for Kibana");
    }
}
