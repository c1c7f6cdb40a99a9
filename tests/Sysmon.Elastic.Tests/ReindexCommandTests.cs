using System.Diagnostics;
using System.Globalization;
using FluentAssertions;
using Sysmon.Stores.DuckDb;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>`reindex` as a user runs it (the real executable, real DuckDB files): a copy holds the same events and answers
/// hunts the same; a killed copy goes on from its checkpoint and stores nothing twice; re-enrichment tags against the
/// destination's indicators only.</summary>
public sealed class ReindexCommandTests
{
    private static async Task<(string Dir, long Events)> FleetStoreAsync(int hosts, int eventsPerHost)
    {
        var dir = CliRunner.TempDir();
        var files = await CliRunner.GenerateFleetAsync(dir, hosts, eventsPerHost, 11);
        var ingest = await CliRunner.RunAsync(dir, null, ["ingest", .. files, "--store", "duckdb:source.duckdb"]);
        ingest.ExitCode.Should().Be(0, ingest.Stderr);
        return (dir, files.Sum(f => File.ReadLines(f).LongCount()));
    }

    private static List<object?[]> Query(string dir, string sql)
    {
        using var connection = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"ATTACH '{Path.Combine(dir, "source.duckdb")}' AS s (READ_ONLY); ATTACH '{Path.Combine(dir, "copy.duckdb")}' AS c (READ_ONLY); " + sql;
        using var reader = cmd.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    [Fact]
    public async Task A_copy_holds_every_event_as_stored_answers_hunts_the_same_and_a_second_run_adds_nothing()
    {
        var (dir, events) = await FleetStoreAsync(3, 700);
        string[] args = ["reindex", "--store", "duckdb:source.duckdb", "--dest", "duckdb:copy.duckdb"];

        var first = await CliRunner.RunAsync(dir, null, args);

        first.ExitCode.Should().Be(0, first.Stderr);
        first.Stderr.Should().Contain($"copied {events:N0} events from duckdb:source.duckdb")
            .And.Contain($"duckdb:copy.duckdb now holds {events:N0} events ({events:N0} new)");
        File.Exists(Path.Combine(dir, "sysmon-elastic.reindex.json")).Should().BeFalse("the checkpoint goes once the copy is done");
        var compared = Query(dir, """
            SELECT (SELECT count(*) FROM c.events), count(*), count(*) FILTER (WHERE s.document::VARCHAR = c.document::VARCHAR)
            FROM s.events_documents s JOIN c.events_documents c USING (id)
            """).Single();
        compared.Should().Equal(events, events, events);
        foreach (var hunt in new[] { "hash-stats", "rare-executables", "raw-disk-access", "remote-threads", "connections-by-process", "lsass-access" })
        {
            var a = await CliRunner.RunAsync(dir, null, "hunt", hunt, "--store", "duckdb:source.duckdb", "--format", "json");
            var b = await CliRunner.RunAsync(dir, null, "hunt", hunt, "--store", "duckdb:copy.duckdb", "--format", "json");
            a.ExitCode.Should().Be(0, a.Stderr);
            b.Stdout.Should().Be(a.Stdout, $"{hunt} answers the same on the copy");
        }

        var second = await CliRunner.RunAsync(dir, null, args);
        second.ExitCode.Should().Be(0, second.Stderr);
        second.Stderr.Should().Contain($"duplicates skipped (already stored): {events:N0}").And.Contain("(0 new)");
    }

    [Theory]
    [InlineData(false)] // kill -9: no flush, no clean close of the DuckDB file
    [InlineData(true)]  // SIGTERM (a service stop, Ctrl+C): exit 130, the checkpoint named
    public async Task A_copy_killed_mid_way_goes_on_from_its_checkpoint_and_stores_every_event_once(bool terminate)
    {
        var (dir, events) = await FleetStoreAsync(6, 5000);
        string[] args = ["reindex", "--store", "duckdb:source.duckdb", "--dest", "duckdb:copy.duckdb", "--checkpoint-every", "2000"];
        var checkpoint = Path.Combine(dir, "sysmon-elastic.reindex.json");

        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { CliRunner.Dll }.Concat(args)) psi.ArgumentList.Add(a);
        using (var process = Process.Start(psi)!)
        {
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!File.Exists(checkpoint) && !process.HasExited && DateTime.UtcNow < deadline) await Task.Delay(5, TestContext.Current.CancellationToken);
            if (terminate)
            {
                using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
                await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            }
            else
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            var said = await stderr;
            File.Exists(checkpoint).Should().BeTrue("the copy was killed after its first checkpoint, before its end\n" + said);
            if (terminate)
            {
                process.ExitCode.Should().Be(130, said);
                said.Should().Contain("stopped; sysmon-elastic.reindex.json holds where the copy got to").And.Contain("run the same command again to go on");
            }
        }
        var saved = await File.ReadAllTextAsync(checkpoint, TestContext.Current.CancellationToken);
        saved.Should().Contain("\"position\"").And.Contain("\"positionId\"").And.Contain(Path.Combine(dir, "copy.duckdb"));

        var resumed = await CliRunner.RunAsync(dir, null, args);

        resumed.ExitCode.Should().Be(0, resumed.Stderr);
        resumed.Stderr.Should().Contain("going on from sysmon-elastic.reindex.json").And.Contain($"now holds {events:N0} events");
        File.Exists(checkpoint).Should().BeFalse();
        var counts = Query(dir, "SELECT count(*), count(DISTINCT id) FROM c.events").Single();
        counts.Should().Equal(events, events);
    }

    [Fact]
    public async Task Re_enrichment_drops_the_old_tags_and_tags_against_the_destinations_indicators()
    {
        var dir = CliRunner.TempDir();
        string oldHash = new('a', 64), newHash = new('b', 64);
        var time = DateTime.UtcNow.AddDays(-3).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
        string Start(int record, string hash) =>
            "{\"winlog\":{\"event_id\":\"1\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"computer_name\":\"WKS-1\",\"record_id\":" + record +
            ",\"event_data\":{\"UtcTime\":\"" + time + "\",\"ProcessGuid\":\"{8f2a3c1e-5b6d-6a3f-2a01-00000000" + record + "e00}\",\"ProcessId\":\"42\"," +
            "\"Image\":\"C:\\\\Users\\\\Public\\\\p" + record + ".exe\",\"Hashes\":\"SHA256=" + hash + "\"}}}\n";
        await File.WriteAllTextAsync(Path.Combine(dir, "case.ndjson"), Start(1001, oldHash) + Start(1002, newHash), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir, "old.txt"), oldHash + "\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir, "new.txt"), newHash + "\n", TestContext.Current.CancellationToken);
        foreach (var feed in new[] { "old", "new" })
        {
            await File.WriteAllTextAsync(Path.Combine(dir, feed + ".json"),
                "{\"feeds\":[{\"name\":\"" + feed + "-hashes\",\"url\":\"" + feed + ".txt\",\"format\":\"plain\",\"type\":\"sha256\"}]}", TestContext.Current.CancellationToken);
        }
        (await CliRunner.RunAsync(dir, null, "feeds", "update", "--feeds", "old.json", "--store", "duckdb:source.duckdb")).ExitCode.Should().Be(0);
        (await CliRunner.RunAsync(dir, null, "ingest", "case.ndjson", "--store", "duckdb:source.duckdb")).ExitCode.Should().Be(0);
        (await CliRunner.RunAsync(dir, null, "feeds", "update", "--feeds", "new.json", "--store", "duckdb:copy.duckdb")).ExitCode.Should().Be(0);

        var plain = await CliRunner.RunAsync(dir, null, "reindex", "--store", "duckdb:source.duckdb", "--dest", "duckdb:plain.duckdb");
        plain.ExitCode.Should().Be(0, plain.Stderr);
        var r = await CliRunner.RunAsync(dir, null, "reindex", "--store", "duckdb:source.duckdb", "--dest", "duckdb:copy.duckdb", "--re-enrich");

        r.ExitCode.Should().Be(0, r.Stderr);
        r.Stderr.Should().Contain($"ALERT WKS-1 event 1: process.hash.sha256 {newHash} matches new-hashes")
            .And.Contain("re-enrich: 1 indicators checked; 1 new alert(s)");
        var tags = Query(dir, """
            SELECT s."process.hash.sha256", s."threat.enrichments"->>'$[0].indicator.provider', c."threat.enrichments"->>'$[0].indicator.provider'
            FROM s.events s JOIN c.events c USING (id) ORDER BY 1
            """);
        tags.Should().HaveCount(2);
        tags[0].Should().Equal(new object?[] { oldHash, "old-hashes", null }); // the source's tag is dropped: the destination does not know that indicator
        tags[1].Should().Equal(new object?[] { newHash, null, "new-hashes" });
        Query(dir, "SELECT \"matched.atomic\" FROM c.alerts").Select(row => row[0]).Should().Equal(newHash);
        using var kept = DuckDbStore.Open(Path.Combine(dir, "plain.duckdb"));
        using var cmd = kept.Connection.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM events WHERE \"threat.enrichments\"->>'$[0].indicator.provider' = 'old-hashes'";
        cmd.ExecuteScalar().Should().Be(1L, "without --re-enrich the tags are copied as they are");
    }

    [Theory]
    [InlineData("duckdb:source.duckdb", "the store being copied")]
    [InlineData("./source.duckdb", "the store being copied")]
    public async Task A_copy_into_the_store_itself_is_refused(string dest, string reason)
    {
        var (dir, _) = await FleetStoreAsync(1, 50);
        var r = await CliRunner.RunAsync(dir, null, "reindex", "--store", "duckdb:source.duckdb", "--dest", dest);
        r.ExitCode.Should().Be(2);
        r.Stderr.Should().Contain(reason);
    }

    [Fact]
    public async Task A_checkpoint_of_another_copy_is_not_used_and_a_missing_source_is_named()
    {
        var (dir, events) = await FleetStoreAsync(1, 50);
        await File.WriteAllTextAsync(Path.Combine(dir, "sysmon-elastic.reindex.json"),
            """{"source":"duckdb:/elsewhere/a.duckdb","destination":"duckdb:/elsewhere/b.duckdb","reEnrich":false,"position":"99","copied":100,"saved":"2026-12-01T10:00:00Z"}""",
            TestContext.Current.CancellationToken);
        var other = await CliRunner.RunAsync(dir, null, "reindex", "--store", "duckdb:source.duckdb", "--dest", "duckdb:copy.duckdb");
        other.ExitCode.Should().Be(2);
        other.Stderr.Should().Contain("is the checkpoint of another copy (100 events copied from duckdb:/elsewhere/a.duckdb").And.Contain("--restart");
        File.Exists(Path.Combine(dir, "copy.duckdb")).Should().BeFalse("nothing was opened");

        var restarted = await CliRunner.RunAsync(dir, null, "reindex", "--store", "duckdb:source.duckdb", "--dest", "duckdb:copy.duckdb", "--restart");
        restarted.ExitCode.Should().Be(0, restarted.Stderr);
        restarted.Stderr.Should().Contain($"copied {events:N0} events");

        var missing = await CliRunner.RunAsync(dir, null, "reindex", "--store", "duckdb:nope.duckdb", "--dest", "duckdb:copy2.duckdb");
        missing.ExitCode.Should().Be(3);
        missing.Stderr.Should().Contain("store duckdb:nope.duckdb does not exist");
        File.Exists(Path.Combine(dir, "copy2.duckdb")).Should().BeFalse();
    }

    [Fact]
    public async Task A_checkpoint_whose_source_was_replaced_at_the_same_path_is_refused_not_followed()
    {
        var (dir, events) = await FleetStoreAsync(1, 50);
        var source = Path.Combine(dir, "source.duckdb");
        string at19;
        using (var store = DuckDbStore.Open(source))
        using (var cmd = store.Connection.CreateCommand())
        {
            cmd.CommandText = "SELECT id FROM events WHERE rowid = 19";
            at19 = (string)cmd.ExecuteScalar()!;
        }
        var checkpoint = $$"""{"source":"duckdb:{{source}}","destination":"duckdb:{{Path.Combine(dir, "copy.duckdb")}}","reEnrich":false,"position":"19","copied":20,"saved":"2026-12-01T10:00:00Z","positionId":"{{at19}}"}""";
        await File.WriteAllTextAsync(Path.Combine(dir, "sysmon-elastic.reindex.json"), checkpoint, TestContext.Current.CancellationToken);
        // The store at that path ingested anew from another host's logs: row 19 is another event now.
        File.Delete(source);
        var other = (await CliRunner.GenerateFleetAsync(Directory.CreateDirectory(Path.Combine(dir, "other")).FullName, 2, 60, 12))
            .Where(f => f.EndsWith("WKS-0002.corp.example.json", StringComparison.Ordinal)).ToArray();
        other.Should().ContainSingle();
        (await CliRunner.RunAsync(dir, null, ["ingest", .. other, "--store", "duckdb:source.duckdb"])).ExitCode.Should().Be(0);
        var replaced = other.Sum(f => File.ReadLines(f).LongCount());

        var r = await CliRunner.RunAsync(dir, null, "reindex", "--store", "duckdb:source.duckdb", "--dest", "duckdb:copy.duckdb");

        r.ExitCode.Should().Be(2, r.Stderr);
        r.Stderr.Should().Contain("the source has changed since it was saved").And.Contain(at19).And.Contain("--restart");
        File.Exists(Path.Combine(dir, "copy.duckdb")).Should().BeFalse("nothing was copied");
        var restarted = await CliRunner.RunAsync(dir, null, "reindex", "--store", "duckdb:source.duckdb", "--dest", "duckdb:copy.duckdb", "--restart");
        restarted.ExitCode.Should().Be(0, restarted.Stderr);
        restarted.Stderr.Should().Contain($"copied {replaced:N0} events");
        replaced.Should().NotBe(events);
    }

    [Theory]
    [InlineData("not json at all", "is not a reindex checkpoint")]
    [InlineData("POSITION", "is not a position in a DuckDB store")]
    public async Task A_damaged_checkpoint_is_a_usage_error_that_names_the_file_not_a_crash(string content, string reason)
    {
        var (dir, events) = await FleetStoreAsync(1, 50);
        var identity = (string name) => "duckdb:" + Path.Combine(dir, name);
        await File.WriteAllTextAsync(Path.Combine(dir, "sysmon-elastic.reindex.json"), content == "POSITION"
            ? $$"""{"source":"{{identity("source.duckdb")}}","destination":"{{identity("copy.duckdb")}}","reEnrich":false,"position":"abc","copied":1,"saved":"2026-12-01T10:00:00Z"}"""
            : content, TestContext.Current.CancellationToken);

        var r = await CliRunner.RunAsync(dir, null, "reindex", "--store", "duckdb:source.duckdb", "--dest", "duckdb:copy.duckdb");

        r.ExitCode.Should().Be(2, r.Stderr);
        r.Stderr.Should().Contain("sysmon-elastic.reindex.json").And.Contain(reason).And.NotContain("   at ");
        var restarted = await CliRunner.RunAsync(dir, null, "reindex", "--store", "duckdb:source.duckdb", "--dest", "duckdb:copy.duckdb", "--restart");
        restarted.Stderr.Should().Contain($"copied {events:N0} events");
    }

    [Fact]
    public async Task An_event_that_does_not_read_back_is_dead_lettered_with_its_store_and_id_and_the_run_is_partial()
    {
        var (dir, events) = await FleetStoreAsync(1, 200);
        string victim;
        using (var store = DuckDbStore.Open(Path.Combine(dir, "source.duckdb")))
        {
            using var cmd = store.Connection.CreateCommand();
            cmd.CommandText = "SELECT id FROM events ORDER BY rowid LIMIT 1 OFFSET 17";
            victim = (string)cmd.ExecuteScalar()!;
            cmd.CommandText = $"UPDATE events SET doc = '[1,2]' WHERE id = '{victim}'";
            cmd.ExecuteNonQuery().Should().Be(1);
        }

        var r = await CliRunner.RunAsync(dir, null, "reindex", "--store", "duckdb:source.duckdb", "--dest", "duckdb:copy.duckdb");

        r.ExitCode.Should().Be(1, "one event was rejected: a partial run\n" + r.Stderr);
        r.Stderr.Should().Contain($"copied {events - 1:N0} events").And.Contain("REJECTED 1 record(s); see sysmon-elastic.reindex-deadletter.ndjson");
        var dead = await File.ReadAllTextAsync(Path.Combine(dir, "sysmon-elastic.reindex-deadletter.ndjson"), TestContext.Current.CancellationToken);
        dead.Should().Contain($"\"file\":\"duckdb:source.duckdb event {victim}\"").And.Contain("not a JSON object").And.Contain("[1,2]");
    }
}
