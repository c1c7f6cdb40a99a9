using FluentAssertions;
using Sysmon.Stores.Elasticsearch.Writing;
using Xunit;

namespace Sysmon.Stores.Elasticsearch.Tests;

/// <summary>How the resends of several batches add up and what the operator is told (no cluster needed; the
/// writer's side is in <see cref="ElasticsearchStoreTests"/>).</summary>
public sealed class BulkResendsTests
{
    [Fact]
    public void Nothing_resent_says_nothing()
    {
        BulkResends.None.Describe().Should().BeNull();
        BulkResends.None.Add(BulkResends.None).Should().Be(BulkResends.None);
    }

    [Fact]
    public void Batches_add_up_and_the_latest_cause_and_smallest_request_win()
    {
        var first = new BulkResends(1200, 1, "item status 429: es_rejected_execution_exception", null);
        var second = new BulkResends(300, 1, "the cluster answered 503: unavailable_shards_exception", 2 * 1024 * 1024);
        var third = new BulkResends(0, 0, null, 1024 * 1024);

        var total = BulkResends.None.Add(first).Add(BulkResends.None).Add(second).Add(third);

        total.Should().Be(new BulkResends(1500, 2, "the cluster answered 503: unavailable_shards_exception", 1024 * 1024));
        total.Describe().Should().Be(
            "Elasticsearch made 2 batches wait: documents were sent again 1,500 times in all, with back-off, after busy " +
            "answers or lost connections (last: the cluster answered 503: unavailable_shards_exception); all are accounted " +
            "for, but if this persists the cluster is short of indexing capacity (its write thread pool queue, or its " +
            "circuit breakers); Elasticsearch refused bulk requests as too large (413), so they were cut to 1,024 KiB; " +
            "raise the cluster's http.max_content_length for faster ingest");
    }

    [Fact]
    public void A_single_resend_reads_in_the_singular()
    {
        new BulkResends(1, 1, null, null).Describe().Should()
            .StartWith("Elasticsearch made 1 batch wait: documents were sent again 1 time in all").And.Contain("(last: no reason given)");
    }
}
