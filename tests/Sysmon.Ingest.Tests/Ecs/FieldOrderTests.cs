using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Xunit;

namespace Sysmon.Ingest.Tests.Ecs;

/// <summary>Fields are written in ordinal path order (the writer nests by it); the integer ranks that make the
/// sort cheap must give exactly that order, also for paths first seen late and for neighbours such as "a.b" / "a_b".</summary>
public sealed class FieldOrderTests
{
    [Fact]
    public void Sorting_by_rank_gives_the_ordinal_order_of_the_paths()
    {
        var random = new Random(5);
        string Segment() => new string(Enumerable.Range(0, random.Next(1, 4)).Select(_ => "abz_A.0"[random.Next(7)]).ToArray()).Trim('.') is { Length: > 0 } s ? s : "x";
        for (var round = 0; round < 50; round++)
        {
            var doc = new EcsDocument();
            var paths = Enumerable.Range(0, random.Next(2, 80)).Select(_ => "t" + round + "." + Segment() + "." + Segment()).Distinct().ToList();
            foreach (var p in paths) doc.Set(p, "v");
            doc.SortFields();
            doc.Fields.Select(f => f.Key).Should().Equal(paths.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void A_field_added_after_a_sort_is_put_in_order_by_the_next_sort()
    {
        // Sorting is skipped while nothing was added; a tagger adds threat.* fields after the first sort.
        var doc = new EcsDocument();
        foreach (var p in new[] { "process.name", "event.code", "host.name" }) doc.Set(p, "v");
        doc.SortFields();
        doc.Set("host.name", "replaced"); // a value replaced in place keeps the order
        doc.Set("destination.ip", "10.0.0.1");
        doc.Append("threat.indicator.type", "ipv4-addr");
        doc.SortFields();
        doc.Fields.Select(f => f.Key).Should().Equal("destination.ip", "event.code", "host.name", "process.name", "threat.indicator.type");
        doc.GetString("host.name").Should().Be("replaced");
    }
}
