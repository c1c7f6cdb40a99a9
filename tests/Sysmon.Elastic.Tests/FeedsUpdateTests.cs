using System.Globalization;
using FluentAssertions;
using Sysmon.Stores.DuckDb;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>`feeds update` on a case's store: collected logs are often older than the 30 days the retro-hunt looks back
/// by default, and a responder adding a feed was told "retro-hunt raised 0 alert(s)" with the case never searched.</summary>
public sealed class FeedsUpdateTests
{
    private static readonly string Dropper = new('d', 64);

    // A process start two years ago, with the dropper's hash.
    private static string OldProcessStart()
    {
        var time = DateTime.UtcNow.AddDays(-730).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
        return "{\"winlog\":{\"event_id\":\"1\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"computer_name\":\"WKS-1\",\"record_id\":7," +
               "\"event_data\":{\"UtcTime\":\"" + time + "\",\"ProcessGuid\":\"{8f2a3c1e-5b6d-6a3f-2a01-000000001e00}\",\"ProcessId\":\"4242\"," +
               "\"Image\":\"C:\\\\Users\\\\Public\\\\upd.exe\",\"Hashes\":\"SHA256=" + Dropper + "\"}}}\n";
    }

    private static async Task<string> CaseStoreAsync(string dir, string feed)
    {
        await File.WriteAllTextAsync(Path.Combine(dir, "case.ndjson"), OldProcessStart());
        await File.WriteAllTextAsync(Path.Combine(dir, "bad.txt"), Dropper + "\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "feeds.json"),
            "{\"feeds\":[{\"name\":\"" + feed + "\",\"url\":\"bad.txt\",\"format\":\"plain\",\"type\":\"sha256\"}]}");
        var store = "duckdb:" + Path.Combine(dir, "case.duckdb");
        (await CliRunner.RunAsync(dir, null, "ingest", "case.ndjson", "--store", store)).ExitCode.Should().Be(0);
        return store;
    }

    [Fact]
    public async Task The_retro_hunt_reaches_as_far_back_as_asked_and_says_how_far()
    {
        var dir = CliRunner.TempDir();
        var store = await CaseStoreAsync(dir, "case-hashes");
        var r = await CliRunner.RunAsync(dir, null, "feeds", "update", "--feeds", "feeds.json", "--store", store, "--retro-hunt-days", "1000");
        r.ExitCode.Should().Be(0, r.Stderr);
        var since = DateTime.UtcNow.AddDays(-1000).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        r.Stderr.Should().Contain($"case-hashes: 1 indicators (1 new, 0 invalid entries); retro-hunt of events since {since}").And.Contain("raised 1 alert(s)")
            .And.Contain($"ALERT WKS-1 event 1: process.hash.sha256 {Dropper} matches case-hashes (case-hashes|Sha256|{Dropper})", "the alert is shown as ingest shows its own");
        using var opened = DuckDbStore.Open(Path.Combine(dir, "case.duckdb"));
        using var cmd = opened.Connection.CreateCommand();
        cmd.CommandText = "SELECT \"matched.atomic\" FROM alerts";
        cmd.ExecuteScalar().Should().Be(Dropper);
    }

    [Fact]
    public async Task Feeds_list_shows_a_retro_hunt_cut_short_until_the_next_refresh_runs_it()
    {
        var dir = CliRunner.TempDir();
        var store = await CaseStoreAsync(dir, "case-hashes");
        // The feed's set replaced and its hunt not run, as a crash between the two leaves it.
        using (var opened = DuckDbStore.Open(Path.Combine(dir, "case.duckdb")))
        {
            await Sysmon.Enrich.IndicatorStoreExtensions.ReplaceFeedAsync(new DuckDbIndicatorStore(opened), "case-hashes",
                [new Sysmon.Enrich.Indicators.Indicator(Sysmon.Enrich.Indicators.IndicatorType.Sha256, Dropper, "case-hashes")], DateTimeOffset.UtcNow,
                TestContext.Current.CancellationToken);
        }
        var listed = await CliRunner.RunAsync(dir, null, "feeds", "list", "--feeds", "feeds.json", "--store", store);
        listed.ExitCode.Should().Be(0, listed.Stderr);
        var header = listed.Stdout.Split('\n')[0];
        var row = listed.Stdout.Split('\n').Single(l => l.StartsWith("case-hashes ", StringComparison.Ordinal));
        header.Should().Contain("hunt pending");
        row[..(header.IndexOf("hunt pending", StringComparison.Ordinal) + "hunt pending".Length)].TrimEnd().Should().EndWith(" 1");
        listed.Stdout.Should().Contain("it runs at the feed's next refresh");
        var json = await CliRunner.RunAsync(dir, null, "feeds", "list", "--feeds", "feeds.json", "--store", store, "--format", "json");
        json.Stdout.Should().Contain("\"retroHuntPending\": 1");

        var update = await CliRunner.RunAsync(dir, null, "feeds", "update", "--feeds", "feeds.json", "--store", store, "--retro-hunt-days", "1000");
        update.Stderr.Should().Contain("raised 1 alert(s)", "the refresh found nothing new but ran the hunt left pending")
            .And.Contain("case-hashes: the retro-hunt also searched for 1 indicator(s) an earlier refresh left unhunted");
        var after = await CliRunner.RunAsync(dir, null, "feeds", "list", "--feeds", "feeds.json", "--store", store);
        after.Stdout.Should().NotContain("it runs at the feed's next refresh");
        after.Stdout.Split('\n').Single(l => l.StartsWith("case-hashes ", StringComparison.Ordinal))[..(header.IndexOf("hunt pending", StringComparison.Ordinal) + 12)]
            .TrimEnd().Should().EndWith(" 0", "the indicator count column ends before; the pending column is blank");

        // Pending again, and the feed then taken out of the feeds file: nothing will refresh it, and the list says so.
        using (var opened = DuckDbStore.Open(Path.Combine(dir, "case.duckdb")))
        {
            await Sysmon.Enrich.IndicatorStoreExtensions.ReplaceFeedAsync(new DuckDbIndicatorStore(opened), "case-hashes",
                [new Sysmon.Enrich.Indicators.Indicator(Sysmon.Enrich.Indicators.IndicatorType.Sha256, new string('e', 64), "case-hashes")], DateTimeOffset.UtcNow,
                TestContext.Current.CancellationToken);
        }
        await File.WriteAllTextAsync(Path.Combine(dir, "other.json"), "{\"feeds\":[{\"name\":\"other\",\"url\":\"bad.txt\",\"format\":\"plain\"}]}");
        var removed = await CliRunner.RunAsync(dir, null, "feeds", "list", "--feeds", "other.json", "--store", store);
        removed.Stdout.Should().Contain("case-hashes is not in the feeds file: its hunt runs only if the feed is put back");
    }

    [Fact]
    public async Task By_default_the_retro_hunt_looks_back_30_days_and_says_so()
    {
        var dir = CliRunner.TempDir();
        var store = await CaseStoreAsync(dir, "case-hashes");
        var r = await CliRunner.RunAsync(dir, null, "feeds", "update", "--feeds", "feeds.json", "--store", store);
        r.ExitCode.Should().Be(0, r.Stderr);
        var since = DateTime.UtcNow.AddDays(-30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        r.Stderr.Should().Contain($"retro-hunt of events since {since}").And.Contain("raised 0 alert(s)");
    }

    [Fact]
    public async Task A_local_list_that_has_not_changed_is_not_read_again_and_one_that_has_is()
    {
        var dir = CliRunner.TempDir();
        var store = await CaseStoreAsync(dir, "case-hashes");
        (await CliRunner.RunAsync(dir, null, "feeds", "update", "--feeds", "feeds.json", "--store", store)).Stderr
            .Should().Contain("case-hashes: 1 indicators (1 new, 0 invalid entries)");
        var again = await CliRunner.RunAsync(dir, null, "feeds", "update", "--feeds", "feeds.json", "--store", store);
        again.ExitCode.Should().Be(0, again.Stderr);
        again.Stderr.Should().Contain("case-hashes: not modified (1 indicators kept)");

        await File.AppendAllTextAsync(Path.Combine(dir, "bad.txt"), new string('e', 64) + "\n");
        (await CliRunner.RunAsync(dir, null, "feeds", "update", "--feeds", "feeds.json", "--store", store)).Stderr
            .Should().Contain("case-hashes: 2 indicators (1 new, 0 invalid entries)");

        // The same list, read another way (stamped with a confidence now): read anew, not "not modified".
        var feeds = Path.Combine(dir, "feeds.json");
        await File.WriteAllTextAsync(feeds, (await File.ReadAllTextAsync(feeds)).Replace("\"type\":\"sha256\"", "\"type\":\"sha256\",\"confidence\":\"high\""));
        var redefined = await CliRunner.RunAsync(dir, null, "feeds", "update", "--feeds", "feeds.json", "--store", store);
        redefined.Stderr.Should().Contain("case-hashes: 2 indicators (0 new, 0 invalid entries)");
        using (var opened = DuckDbStore.Open(Path.Combine(dir, "case.duckdb")))
        using (var cmd = opened.Connection.CreateCommand())
        {
            cmd.CommandText = "SELECT count(*) FROM indicators WHERE \"threat.indicator.confidence\" = 'high' AND NOT expired";
            cmd.ExecuteScalar().Should().Be(2L);
        }
        (await CliRunner.RunAsync(dir, null, "feeds", "update", "--feeds", "feeds.json", "--store", store)).Stderr
            .Should().Contain("case-hashes: not modified (2 indicators kept)");
    }

    [Fact]
    public async Task Internal_addresses_in_a_feed_are_named_with_a_warning_since_they_never_match()
    {
        var dir = CliRunner.TempDir();
        var store = await CaseStoreAsync(dir, "case-hashes");
        await File.WriteAllTextAsync(Path.Combine(dir, "ips.txt"), "10.0.2.18\n198.51.100.9\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "ip-feeds.json"), "{\"feeds\":[{\"name\":\"case-ips\",\"url\":\"ips.txt\",\"format\":\"plain\"}]}");
        var r = await CliRunner.RunAsync(dir, null, "feeds", "update", "--feeds", "ip-feeds.json", "--store", store);
        r.ExitCode.Should().Be(0, r.Stderr);
        r.Stderr.Should().Contain("case-ips: 2 indicators (2 new, 0 invalid entries)")
            .And.Contain("warning: case-ips: 1 indicator(s) in private or special address ranges never match (10.0.2.18)");
    }

    [Fact]
    public async Task Indicators_added_by_hand_match_whatever_the_case_of_their_kind_and_an_unknown_kind_is_left_out_with_a_warning()
    {
        var dir = CliRunner.TempDir();
        var store = await CaseStoreAsync(dir, "case-hashes");
        (await CliRunner.RunAsync(dir, null, "feeds", "update", "--feeds", "feeds.json", "--store", store)).ExitCode.Should().Be(0);
        var added = new string('e', 64);
        using (var opened = DuckDbStore.Open(Path.Combine(dir, "case.duckdb")))
        using (var cmd = opened.Connection.CreateCommand())
        {
            // What an analyst might type into a DuckDB shell: a lower-case kind, and one this version does not know.
            cmd.CommandText = $"""
                INSERT INTO indicators SELECT * REPLACE ('sha256' AS kind, '{added}' AS value, 'hand|{added}' AS id) FROM indicators;
                INSERT INTO indicators SELECT * REPLACE ('ip' AS kind, '203.0.113.9' AS value, 'hand|203.0.113.9' AS id) FROM indicators WHERE kind = 'Sha256';
                """;
            cmd.ExecuteNonQuery();
        }
        await File.WriteAllTextAsync(Path.Combine(dir, "new.ndjson"), OldProcessStart().Replace(Dropper, added).Replace("\"record_id\":7", "\"record_id\":8"));

        var r = await CliRunner.RunAsync(dir, null, "ingest", "new.ndjson", "--store", store);
        r.ExitCode.Should().Be(0, r.Stderr);
        r.Stderr.Should().Contain("2 indicators checked; 1 new alert(s)")
            .And.Contain("warning: 1 stored indicator(s) left out of matching: '203.0.113.9' of feed case-hashes has kind 'ip', none of Ipv4, Ipv6, Cidr");
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("100000")]
    public async Task A_retro_hunt_reach_that_is_no_number_of_days_is_a_usage_error(string days)
    {
        var dir = CliRunner.TempDir();
        await File.WriteAllTextAsync(Path.Combine(dir, "feeds.json"), "{\"feeds\":[{\"name\":\"x\",\"url\":\"x.txt\",\"format\":\"plain\",\"type\":\"sha256\"}]}");
        var r = await CliRunner.RunAsync(dir, null, "feeds", "update", "--feeds", "feeds.json", "--store", "duckdb:s.duckdb", "--retro-hunt-days", days);
        r.ExitCode.Should().Be(2, r.Stderr);
        r.Stderr.Should().Contain($"--retro-hunt-days {days}: give a number of days from 0 to 36500");
    }
}
