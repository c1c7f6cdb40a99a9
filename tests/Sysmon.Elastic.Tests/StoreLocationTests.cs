using FluentAssertions;
using Sysmon.Elastic.Cli;
using Sysmon.Stores.DuckDb;
using Xunit;

namespace Sysmon.Elastic.Tests;

public sealed class StoreLocationTests
{
    [Theory]
    [InlineData("duckdb:./sysmon.duckdb", "./sysmon.duckdb")]
    [InlineData("duckdb:./wh?at.duckdb?", "./wh?at.duckdb")]
    [InlineData("duckdb:/data/a?b/s.duckdb?threads=1", "/data/a?b/s.duckdb")]
    [InlineData("cases.duckdb", "cases.duckdb")]
    public void A_DuckDB_uri_names_the_file_before_its_last_question_mark(string uri, string path)
    {
        var location = StoreLocation.Parse(uri);
        location.IsDuckDb.Should().BeTrue();
        location.Target.Should().Be(path);
    }

    [Fact]
    public void Options_after_the_last_question_mark_are_DuckDBs()
    {
        var location = StoreLocation.Parse("duckdb:/data/a?b/s.duckdb?threads=1&load_memory_limit=64MB");
        location.DuckDbOptions.Should().Be(DuckDbStoreOptions.Default with { Threads = 1, LoadMemoryLimit = "64MB" });
        StoreLocation.Parse("duckdb:./wh?at.duckdb?").DuckDbOptions.Should().Be(DuckDbStoreOptions.Default);
    }

    [Fact]
    public void An_Elasticsearch_url_is_not_a_file()
    {
        StoreLocation.Parse("https://es.corp.example:9200").Kind.Should().Be("elasticsearch");
        var neither = () => StoreLocation.Parse("mysql://x");
        neither.Should().Throw<UsageException>().WithMessage("*neither duckdb:PATH nor an http(s)://*");
    }
}
