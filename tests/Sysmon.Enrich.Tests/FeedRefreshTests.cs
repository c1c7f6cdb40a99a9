using Sysmon.Enrich.Indicators;
using FluentAssertions;
using Sysmon.Enrich.Feeds;
using Sysmon.Stores.DuckDb;
using Xunit;

namespace Sysmon.Enrich.Tests;

/// <summary>
/// Downloads against a real HTTP server on 127.0.0.1: ETag/304, a 500 then success, a server slower than the
/// timeout, an oversized body, an HTML page: the last good indicator set survives every failure.
/// </summary>
public sealed class FeedRefreshTests : IDisposable
{
    private readonly Sysmon.Ingest.Tests.Fixtures.TempDirectory _temp = new("sysmon-feed-tests");
    private readonly LocalHttpServer _server = new();
    private readonly DuckDbStore _store;
    private readonly IIndicatorStore _indicators;

    public FeedRefreshTests()
    {
        _store = _temp.Own(DuckDbStore.Open(_temp.File("s.duckdb")));
        _indicators = new DuckDbIndicatorStore(_store);
    }

    public void Dispose()
    {
        _server.Dispose();
        _temp.Dispose();
    }

    private FeedDefinition Feed => new() { Name = "local", Url = _server.Url + "list.txt", Format = "plain" };

    private FeedRefresher Refresher(TimeSpan? timeout = null, long maxBytes = 1 << 20) =>
        new(new FeedDownloader(FeedHttp.CreateClient(timeout ?? TimeSpan.FromSeconds(5), retries: 2), maxBytes), _indicators);

    private async Task<List<string>> ActiveAsync() =>
        (await _indicators.LoadActiveAsync(TestContext.Current.CancellationToken)).Select(i => i.Value).Order().ToList();

    [Fact]
    public async Task Etag_makes_an_unchanged_feed_cost_nothing()
    {
        _server.ServeWithETag(() => ("\"v1\"", "198.51.100.1\n198.51.100.2\n"));
        var first = await Refresher().RefreshAsync(Feed, TestContext.Current.CancellationToken);
        first.Succeeded.Should().BeTrue();
        first.NewIndicators.Should().Be(2);
        var second = await Refresher().RefreshAsync(Feed, TestContext.Current.CancellationToken);
        second.NotModified.Should().BeTrue();
        (await ActiveAsync()).Should().Equal("198.51.100.1", "198.51.100.2");
    }

    [Fact]
    public async Task A_server_error_is_retried_and_then_succeeds()
    {
        var calls = 0;
        _server.Handler = async (_, res) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                res.StatusCode = 500;
                return;
            }
            await LocalHttpServer.Write(res, "203.0.113.9\n");
        };
        var r = await Refresher().RefreshAsync(Feed, TestContext.Current.CancellationToken);
        r.Succeeded.Should().BeTrue(r.Error);
        calls.Should().Be(2);
        (await ActiveAsync()).Should().Equal("203.0.113.9");
    }

    // Connections an hour ago: conn-0 and conn-1 to 198.51.100.1, conn-2 to 192.0.2.1.
    private async Task StoreConnectionsAsync()
    {
        var seen = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        await using var sink = new DuckDbEventSink(_store);
        await sink.WriteAsync([.. Enumerable.Range(0, 3).Select(n =>
        {
            var e = new Sysmon.Ingest.Ecs.EcsDocument { Id = "conn-" + n };
            e.Set("@timestamp", seen);
            e.Set("event.id", "conn-" + n);
            e.Set("event.code", "3");
            e.Set("host.name", "WKS-1");
            e.Set("destination.ip", n < 2 ? "198.51.100.1" : "192.0.2.1");
            return e;
        })], TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_refresh_whose_retro_hunt_fails_has_saved_the_feeds_new_state_and_its_next_refresh_is_a_304_that_hunts()
    {
        var ct = TestContext.Current.CancellationToken;
        await StoreConnectionsAsync();
        _server.ServeWithETag(() => ("\"v1\"", "198.51.100.1\n203.0.113.5\n"));

        // The hunt stops at its first alert (a worker stopped, a store that failed).
        var stopped = async () => await Refresher().RefreshAsync(Feed, ct, _ => throw new IOException("stopped in the hunt"));
        await stopped.Should().ThrowAsync<IOException>();
        var state = await _indicators.GetFeedStateAsync("local", ct);
        state.Should().NotBeNull();
        state!.Indicators.Should().Be(2);
        state.ETag.Should().Be("\"v1\"");
        state.LastSuccess.Should().NotBeNull();

        var raised = new List<Sysmon.Enrich.Matching.Alert>();
        var next = await Refresher().RefreshAsync(Feed, ct, raised.Add);
        next.NotModified.Should().BeTrue("the new set and its ETag were saved before the hunt");
        next.ResumedHunt.Should().Be(2, "the hunt searched again for both");
        next.RetroAlerts.Should().Be(0, "the first hunt stored its batch of alerts before its handler stopped it");
        raised.Should().BeEmpty();
        (await _indicators.CountPendingRetroHuntsAsync(ct)).Should().BeEmpty("hunted now");
    }

    [Theory]
    [InlineData(false)] // the feed changed since: read again, nothing new in it
    [InlineData(true)] // unchanged: the server answers 304
    public async Task A_retro_hunt_that_never_ran_runs_at_the_feeds_next_refresh(bool notModified)
    {
        var ct = TestContext.Current.CancellationToken;
        await StoreConnectionsAsync();
        _server.Handler = async (req, res) =>
        {
            if (notModified && req.Headers["If-None-Match"] == "\"v1\"")
            {
                res.StatusCode = 304;
                return;
            }
            res.Headers["ETag"] = "\"v1\"";
            await LocalHttpServer.Write(res, "198.51.100.1\n");
        };
        // A refresh stopped (a crash, a kill) right after storing the feed's new set, before its retro-hunt.
        await _indicators.ReplaceFeedAsync("local", [new Indicator(IndicatorType.Ipv4, "198.51.100.1", "local")], DateTimeOffset.UtcNow, ct);
        if (notModified) await _indicators.SaveFeedStateAsync(new FeedState { Name = "local", ETag = "\"v1\"", Definition = Feed.Fingerprint }, ct);

        var raised = new List<Sysmon.Enrich.Matching.Alert>();
        var r = await Refresher().RefreshAsync(Feed, ct, raised.Add);
        r.Succeeded.Should().BeTrue(r.Error);
        r.NotModified.Should().Be(notModified);
        r.NewIndicators.Should().Be(0);
        r.RetroAlerts.Should().Be(2, "the two connections to the address were never hunted");
        r.ResumedHunt.Should().Be(1, "the one indicator the stopped refresh left unhunted");
        r.ResumedHuntNote.Should().Be("local: the retro-hunt also searched for 1 indicator(s) an earlier refresh left unhunted");
        raised.Select(a => a.EventId).Should().BeEquivalentTo(["conn-0", "conn-1"]);
        var again = await Refresher().RefreshAsync(Feed, ct, raised.Add);
        again.RetroAlerts.Should().Be(0, "hunted once");
        again.ResumedHunt.Should().Be(0);
        again.ResumedHuntNote.Should().BeNull();
        raised.Should().HaveCount(2);
    }

    [Fact]
    public async Task Every_kind_of_bad_answer_keeps_the_last_good_set()
    {
        _server.Handler = (_, res) => LocalHttpServer.Write(res, "198.51.100.1\n198.51.100.2\n");
        (await Refresher().RefreshAsync(Feed, TestContext.Current.CancellationToken)).Succeeded.Should().BeTrue();

        var failures = new (string Case, Func<System.Net.HttpListenerRequest, System.Net.HttpListenerResponse, Task> Handler, string Error)[]
        {
            ("always 500", (_, res) => { res.StatusCode = 500; return Task.CompletedTask; }, "HTTP 500"),
            ("slow", async (_, res) => { await Task.Delay(3000); await LocalHttpServer.Write(res, "198.51.100.9\n"); }, "timed out"),
            ("too big", (_, res) => LocalHttpServer.Write(res, new string('#', 2 << 20)), "cap"),
            ("html", (_, res) => LocalHttpServer.Write(res, "<!DOCTYPE html><html><body>Service Unavailable</body></html>", "text/html"), "HTML page"),
            ("empty", (_, res) => LocalHttpServer.Write(res, ""), "empty payload"),
            ("garbage", (_, res) => LocalHttpServer.Write(res, "198.51.100.7\nnot an ip\nneither\nnor this\n"), "entries invalid"),
        };
        foreach (var (name, handler, error) in failures)
        {
            _server.Handler = handler;
            var r = await Refresher(timeout: TimeSpan.FromMilliseconds(800)).RefreshAsync(Feed, TestContext.Current.CancellationToken);
            r.Succeeded.Should().BeFalse(name);
            r.Error.Should().Contain(error, name);
            (await ActiveAsync()).Should().Equal(["198.51.100.1", "198.51.100.2"], name);
            var state = await _indicators.GetFeedStateAsync("local", TestContext.Current.CancellationToken);
            state!.LastError.Should().Contain(error);
            state.LastSuccess.Should().NotBeNull();
        }
    }

    [Fact]
    public async Task Gzip_and_zip_payloads_are_unpacked_and_plain_text_read_with_or_without_an_announced_length()
    {
        static byte[] Gzip(string text)
        {
            using var ms = new MemoryStream();
            using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            {
                gz.Write(System.Text.Encoding.UTF8.GetBytes(text));
            }
            return ms.ToArray();
        }
        static byte[] Zip(string text)
        {
            using var ms = new MemoryStream();
            using (var zip = new System.IO.Compression.ZipArchive(ms, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
            {
                using var w = new StreamWriter(zip.CreateEntry("full.txt").Open());
                w.Write(text);
            }
            return ms.ToArray();
        }
        byte[] bom = [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes("198.51.100.33\n")];
        foreach (var (payload, expected, announced) in new[]
                 {
                     (Gzip("198.51.100.31\n"), "198.51.100.31", true), (Zip("198.51.100.32\n"), "198.51.100.32", true),
                     (bom, "198.51.100.33", true), (bom, "198.51.100.33", false), // read into a buffer sized as announced, or grown
                 })
        {
            _server.Handler = async (_, res) =>
            {
                if (announced) res.ContentLength64 = payload.Length;
                else res.SendChunked = true;
                await res.OutputStream.WriteAsync(payload);
            };
            var r = await Refresher().RefreshAsync(Feed, TestContext.Current.CancellationToken);
            r.Succeeded.Should().BeTrue(r.Error);
            (await ActiveAsync()).Should().Equal(expected);
        }
    }

    [Fact]
    public async Task Indicators_that_leave_the_feed_expire()
    {
        _server.Handler = (_, res) => LocalHttpServer.Write(res, "198.51.100.1\n198.51.100.2\n");
        await Refresher().RefreshAsync(Feed, TestContext.Current.CancellationToken);
        _server.Handler = (_, res) => LocalHttpServer.Write(res, "198.51.100.2\n198.51.100.3\n");
        var r = await Refresher().RefreshAsync(Feed, TestContext.Current.CancellationToken);
        r.NewIndicators.Should().Be(1);
        (await ActiveAsync()).Should().Equal("198.51.100.2", "198.51.100.3");
    }

    [Fact]
    public async Task A_feed_that_lists_an_indicator_twice_counts_and_stores_it_once()
    {
        _server.Handler = (_, res) => LocalHttpServer.Write(res, "198.51.100.1\n198.51.100.2\n198.51.100.1\n198.51.100.3\n198.51.100.2\n");
        var r = await Refresher().RefreshAsync(Feed, TestContext.Current.CancellationToken);
        r.Indicators.Should().Be(3);
        r.NewIndicators.Should().Be(3);
        (await ActiveAsync()).Should().Equal("198.51.100.1", "198.51.100.2", "198.51.100.3");
        (await _indicators.GetFeedStateAsync("local", TestContext.Current.CancellationToken))!.Indicators.Should().Be(3);
    }

    [Fact]
    public async Task A_payload_found_bad_only_at_its_end_keeps_the_last_good_set()
    {
        _server.Handler = (_, res) => LocalHttpServer.Write(res, "198.51.100.1\n198.51.100.2\n");
        await Refresher().RefreshAsync(Feed, TestContext.Current.CancellationToken);
        // 2,000 good addresses, then a tail of junk big enough to fail the invalid-entry ratio: the good ones were
        // already handed to the store when the parse found out.
        var good = string.Concat(Enumerable.Range(0, 2_000).Select(n => $"203.0.{n / 256}.{n % 256}\n"));
        var junk = string.Concat(Enumerable.Repeat("<td>not an indicator</td>\n", 3_000));
        _server.Handler = (_, res) => LocalHttpServer.Write(res, good + junk);
        var r = await Refresher().RefreshAsync(Feed, TestContext.Current.CancellationToken);
        r.Succeeded.Should().BeFalse();
        r.Error.Should().Contain("3000 of 5000 entries invalid");
        (await ActiveAsync()).Should().Equal("198.51.100.1", "198.51.100.2");
        (await _indicators.GetFeedStateAsync("local", TestContext.Current.CancellationToken))!.Indicators.Should().Be(2);
    }

    [Fact]
    public async Task Addresses_in_the_allow_list_are_counted_and_named_since_they_never_match()
    {
        // A case's own list with internal addresses: loaded, counted as indicators, and never matched, without a word.
        _server.Handler = (_, res) => LocalHttpServer.Write(res, "10.0.2.18\n198.51.100.9\n192.168.56.101\n10.10.0.0/16\n0.0.0.0/0\n172.16.5.5\nfd00::1\n10.0.2.18\n");
        var r = await Refresher().RefreshAsync(Feed, TestContext.Current.CancellationToken);
        r.Indicators.Should().Be(7);
        r.AllowListed.Should().Be(5, "0.0.0.0/0 and 198.51.100.9 can still match, and 10.0.2.18 is listed twice");
        r.AllowListedExamples.Should().Equal("10.0.2.18", "192.168.56.101", "10.10.0.0/16");
        r.AllowListedNote.Should().Be("local: 5 indicator(s) in private or special address ranges never match (10.0.2.18, 192.168.56.101, 10.10.0.0/16, …): " +
            "the allow-list keeps broad feeds from flagging internal traffic; look for them with a query (FROM logs-sysmon-* | WHERE destination.ip == \"10.0.2.18\")");

        _server.Handler = (_, res) => LocalHttpServer.Write(res, "198.51.100.9\n");
        (await Refresher().RefreshAsync(Feed, TestContext.Current.CancellationToken)).AllowListedNote.Should().BeNull();
        var own = new FeedRefresher(new FeedDownloader(new HttpClient()), _indicators) { AllowList = new AllowList(["198.51.100.0/24"]) };
        (await own.RefreshAsync(Feed, TestContext.Current.CancellationToken)).AllowListed.Should().Be(1, "the worker's Worker:AllowList is the one counted");
    }

    [Fact]
    public async Task Credentials_never_appear_in_errors()
    {
        Environment.SetEnvironmentVariable("SYSMON_TEST_AUTH_KEY", "s3cr3t-key-123");
        try
        {
            _server.Handler = (_, res) => { res.StatusCode = 403; return Task.CompletedTask; };
            var feed = new FeedDefinition { Name = "keyed", Url = _server.Url + "v2/files/exports/{authKey}/recent.csv?auth-key=s3cr3t-key-123", AuthKeyEnvironmentVariable = "SYSMON_TEST_AUTH_KEY" };
            var r = await Refresher().RefreshAsync(feed, TestContext.Current.CancellationToken);
            r.Succeeded.Should().BeFalse();
            r.Error.Should().NotContain("s3cr3t-key-123");
            SecretRedactor.Redact("https://user:pw@host/x?auth-key=abcdef", []).Should().Be("https://***@host/x?auth-key=***");
        }
        finally
        {
            Environment.SetEnvironmentVariable("SYSMON_TEST_AUTH_KEY", null);
        }
    }
}
