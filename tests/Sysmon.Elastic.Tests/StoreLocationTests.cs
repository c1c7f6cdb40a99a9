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

    [Fact]
    public void Bulk_sizes_after_an_Elasticsearch_url_are_the_writers_and_are_not_part_of_the_url()
    {
        var location = StoreLocation.Parse("https://elastic:changeme@es.corp.example:9200?bulk_mb=12&bulk_in_flight=6");
        location.Kind.Should().Be("elasticsearch");
        location.Target.Should().Be("https://elastic:changeme@es.corp.example:9200");
        location.BulkOptions.MaxRequestBytes.Should().Be(12 * 1024 * 1024);
        location.BulkOptions.MaxInFlight.Should().Be(6);
        location.ToString().Should().Be("https://***@es.corp.example:9200?bulk_mb=12&bulk_in_flight=6", "never the password");
        Store.OptionsFor(location).Url.Should().Be(new Uri("https://es.corp.example:9200"), "the query is not sent to the cluster");

        var plain = StoreLocation.Parse("http://localhost:9200");
        plain.BulkOptions.Should().Be(Stores.Elasticsearch.Writing.BulkWriterOptions.Default);
        plain.ToString().Should().Be("http://localhost:9200");
    }

    [Theory]
    [InlineData("https://es:9200?bulk_size=10", "*unknown Elasticsearch store option 'bulk_size'; known: bulk_mb, bulk_in_flight*")]
    [InlineData("https://es:9200?bulk_mb=0", "*bulk_mb=0: expected megabytes per bulk request, a whole number from 1 to 90*")]
    [InlineData("https://es:9200?bulk_mb=100", "*bulk_mb=100*from 1 to 90*")]
    [InlineData("https://es:9200?bulk_in_flight=many", "*bulk_in_flight=many: expected bulk requests in flight*")]
    [InlineData("https://es:9200?bulk_mb", "*option 'bulk_mb' is not name=value (known: bulk_mb, bulk_in_flight)*")]
    public void A_bulk_setting_that_cannot_work_is_refused_with_what_is_expected(string uri, string message)
    {
        var parse = () => StoreLocation.Parse(uri);
        parse.Should().Throw<UsageException>().WithMessage(message);
    }
}
