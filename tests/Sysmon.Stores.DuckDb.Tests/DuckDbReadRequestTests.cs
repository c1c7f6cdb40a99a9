using FluentAssertions;
using Xunit;

namespace Sysmon.Stores.DuckDb.Tests;

/// <summary>The note a reader leaves for the process writing a DuckDB file: seen while fresh, gone when withdrawn, and
/// ignored and removed once its owner has been gone for longer than its freshness.</summary>
public sealed class DuckDbReadRequestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sysmon-readrequest-").FullName;
    private string Database => Path.Combine(_dir, "store.duckdb");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_raised_request_is_pending_until_withdrawn_and_each_reader_withdraws_only_its_own()
    {
        DuckDbReadRequest.IsPending(Database).Should().BeFalse();
        var first = DuckDbReadRequest.Raise(Database)!;
        using (var second = DuckDbReadRequest.Raise(Database)!)
        {
            DuckDbReadRequest.IsPending(Database).Should().BeTrue();
            first.Dispose();
            DuckDbReadRequest.IsPending(Database).Should().BeTrue("the second reader still waits");
        }
        DuckDbReadRequest.IsPending(Database).Should().BeFalse();
        Directory.GetFiles(_dir).Should().BeEmpty();
    }

    [Fact]
    public void A_request_left_by_a_killed_reader_goes_stale_and_is_removed()
    {
        var request = DuckDbReadRequest.Raise(Database)!;
        var note = Directory.GetFiles(_dir).Should().ContainSingle().Subject;
        File.SetLastWriteTimeUtc(note, DateTime.UtcNow - DuckDbReadRequest.Freshness - TimeSpan.FromSeconds(1));
        DuckDbReadRequest.IsPending(Database).Should().BeFalse();
        File.Exists(note).Should().BeFalse();
        request.Dispose(); // withdrawing a note already removed is harmless
    }

    [Fact]
    public void Requests_for_another_file_in_the_same_directory_do_not_count()
    {
        using var other = DuckDbReadRequest.Raise(Path.Combine(_dir, "other.duckdb"))!;
        DuckDbReadRequest.IsPending(Database).Should().BeFalse();
    }

    [Fact]
    public void A_directory_the_reader_cannot_write_raises_no_request()
    {
        DuckDbReadRequest.Raise(Path.Combine(_dir, "missing", "store.duckdb")).Should().BeNull();
    }
}
