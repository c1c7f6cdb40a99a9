using System.Text.Json.Nodes;
using FluentAssertions;
using Sysmon.Kibana.Import;
using Sysmon.Kibana.SavedObjects;
using Xunit;

namespace Sysmon.Kibana.Tests;

/// <summary>The shipped saved objects imported into a real Kibana (skipped without one, with the reason).</summary>
public sealed class KibanaImportTests(KibanaFixture kibana) : IClassFixture<KibanaFixture>
{
    private static SavedObjectBundle CompleteBundle()
    {
        // The hunts' searches come from queries/hunts at run time (the app's KibanaObjects); stand-ins with the same
        // ids keep this test to the Kibana project.
        var bundle = SavedObjectBundle.Shipped();
        foreach (var name in new[] { "rare-executables", "blacklisted-connections", "lsass-access", "remote-threads" })
        {
            bundle.Add(EsqlSavedSearch.Create("sysmon-elastic-hunt-" + name, name, "", "logs-sysmon-*",
                "FROM logs-sysmon-* | WHERE event.code == \"1\" | STATS n = COUNT(*) BY process.executable | SORT n DESC"));
        }
        return bundle;
    }

    [Fact]
    public async Task Every_object_imports_and_a_second_import_overwrites_instead_of_adding()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = new KibanaClient(kibana.Options);
        await client.WaitUntilAvailableAsync(TimeSpan.FromMinutes(5), null, ct);
        var bundle = CompleteBundle();
        var first = await client.ImportAsync(bundle.ToNdjson(), ct);
        first.Errors.Should().BeEmpty();
        first.SuccessCount.Should().Be(bundle.Objects.Count);
        var second = await client.ImportAsync(bundle.ToNdjson(), ct);
        second.Errors.Should().BeEmpty();
        second.SuccessCount.Should().Be(bundle.Objects.Count);

        using var http = new HttpClient();
        if (kibana.Options.ApiKey is { } key) http.DefaultRequestHeaders.Authorization = new("ApiKey", key);
        else if (kibana.Options.Username is { } user)
        {
            http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{kibana.Options.Password}")));
        }
        var found = JsonNode.Parse(await http.GetStringAsync(kibana.Options.Api("/api/saved_objects/_find?type=dashboard&search_fields=title&search=Sysmon*&per_page=100"), ct))!;
        found["saved_objects"]!.AsArray().Select(o => o!["id"]!.GetValue<string>()).Should().ContainSingle().Which.Should().Be("sysmon-elastic-overview");
    }
}
