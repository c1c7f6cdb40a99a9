using FluentAssertions;
using Xunit;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>A store that let its file go (the idle worker, <see cref="DuckDbStore.Release"/>) and is then used or
/// closed: the worker stopped on SIGTERM after an idle release ended in a segmentation fault (exit 139), which a
/// supervisor reads as a crash.</summary>
public sealed class StoreReleaseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sysmon-release-").FullName;
    private string Database => Path.Combine(_dir, "store.duckdb");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_released_store_closes_and_its_file_opens_again_with_what_it_held()
    {
        using (var store = DuckDbStore.Open(Database))
        {
            store.Count().Should().Be(0);
            store.Release().Should().BeTrue();
            store.Release().Should().BeFalse("already let go");
        }
        using var again = DuckDbStore.Open(Database);
        again.Count().Should().Be(0);
    }

    [Fact]
    public void A_released_store_is_usable_by_another_store_and_attaches_again_afterwards()
    {
        using var store = DuckDbStore.Open(Database);
        store.Release().Should().BeTrue();
        using (var client = DuckDbStore.Open(Database)) client.Count().Should().Be(0);
        store.Count().Should().Be(0);
    }

    [Fact]
    public async Task A_released_store_is_taken_back_only_once_the_process_waiting_for_it_is_done()
    {
        using var store = DuckDbStore.Open(Database);
        store.Release().Should().BeTrue();
        var request = DuckDbFileRequest.Raise(Database)!; // a query's note: it waits for the file, then uses it
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var use = Task.Run(() => store.Count(), TestContext.Current.CancellationToken);
        await Task.Delay(1_000, TestContext.Current.CancellationToken);
        use.IsCompleted.Should().BeFalse("the file stays let go while another process waits for it or uses it");
        using (var client = DuckDbStore.Open(Database)) client.Count().Should().Be(0);

        request.Dispose();
        (await use).Should().Be(0);
        watch.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task The_wait_for_another_process_is_bounded_and_ends_when_the_worker_stops()
    {
        using var store = DuckDbStore.Open(Database);
        using var request = DuckDbFileRequest.Raise(Database)!;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        store.Count().Should().Be(0, "a store that holds its file uses it: only a let-go file is left to the other process");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));

        store.OtherProcessWait = TimeSpan.FromMilliseconds(600);
        store.Release().Should().BeTrue();
        watch.Restart();
        store.Count().Should().Be(0);
        watch.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(600)).And.BeLessThan(TimeSpan.FromSeconds(10));

        using var stopping = new CancellationTokenSource();
        store.OtherProcessWait = TimeSpan.FromMinutes(10);
        store.StopWaiting = stopping.Token;
        store.Release().Should().BeTrue();
        var use = Task.Run(() => store.Count(), TestContext.Current.CancellationToken);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        use.IsCompleted.Should().BeFalse();
        stopping.Cancel();
        (await use.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)).Should().Be(0);
    }

    [Fact]
    public async Task A_use_that_waited_for_the_gate_while_the_file_was_let_go_gives_way_too()
    {
        using var store = DuckDbStore.Open(Database);
        Task<long> use;
        DuckDbFileRequest request;
        using (store.Gate.EnterScope())
        {
            // A feed refresh's next step waits for the gate while the worker lets the file go to a waiting query.
            use = Task.Run(() => store.Count(), TestContext.Current.CancellationToken);
            Thread.Sleep(300);
            request = DuckDbFileRequest.Raise(Database)!;
            store.Release().Should().BeTrue();
        }
        await Task.Delay(1_000, TestContext.Current.CancellationToken);
        use.IsCompleted.Should().BeFalse("it got the gate after the release, and gives the file way as one that came later would");
        request.Dispose();
        (await use.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)).Should().Be(0);
    }
}
