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
}
