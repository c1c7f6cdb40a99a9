using FluentAssertions;
using Xunit;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>The note a process waiting for a DuckDB file (a query, an ingest) leaves for the process holding it: seen while fresh, gone when withdrawn, and
/// ignored and removed once its owner has been gone for longer than its freshness.</summary>
public sealed class DuckDbFileRequestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sysmon-filerequest-").FullName;
    private string Database => Path.Combine(_dir, "store.duckdb");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_raised_request_is_pending_until_withdrawn_and_each_process_withdraws_only_its_own()
    {
        DuckDbFileRequest.IsPending(Database).Should().BeFalse();
        var first = DuckDbFileRequest.Raise(Database)!;
        using (var second = DuckDbFileRequest.Raise(Database)!)
        {
            DuckDbFileRequest.IsPending(Database).Should().BeTrue();
            first.Dispose();
            DuckDbFileRequest.IsPending(Database).Should().BeTrue("the second process still waits");
        }
        DuckDbFileRequest.IsPending(Database).Should().BeFalse();
        Directory.GetFiles(_dir).Should().BeEmpty();
    }

    [Fact]
    public void A_request_left_by_a_killed_process_goes_stale_and_is_removed()
    {
        var request = DuckDbFileRequest.Raise(Database)!;
        var note = Directory.GetFiles(_dir).Should().ContainSingle().Subject;
        File.SetLastWriteTimeUtc(note, DateTime.UtcNow - DuckDbFileRequest.Freshness - TimeSpan.FromSeconds(1));
        DuckDbFileRequest.IsPending(Database).Should().BeFalse();
        File.Exists(note).Should().BeFalse();
        request.Dispose(); // withdrawing a note already removed is harmless
    }

    [Fact]
    public void Requests_for_another_file_in_the_same_directory_do_not_count()
    {
        using var other = DuckDbFileRequest.Raise(Path.Combine(_dir, "other.duckdb"))!;
        DuckDbFileRequest.IsPending(Database).Should().BeFalse();
    }

    [Fact]
    public void A_directory_the_process_cannot_write_raises_no_request()
    {
        DuckDbFileRequest.Raise(Path.Combine(_dir, "missing", "store.duckdb")).Should().BeNull();
    }
}
