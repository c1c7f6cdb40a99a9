using FluentAssertions;
using Sysmon.Ingest.Pipeline;
using Xunit;

namespace Sysmon.Ingest.Tests.Pipeline;

/// <summary>The summary printed at the end of ingest and convert: tables of events per event code and per host.</summary>
public sealed class RunSummaryTests
{
    [Fact]
    public void Event_codes_are_a_table_in_numeric_order_with_Sysmons_names()
    {
        var summary = new RunSummary();
        foreach (var (code, n) in new[] { ("22", 3), ("3", 1200), ("1", 2), ("255", 1), ("999", 4) })
        {
            for (var i = 0; i < n; i++) summary.CountEvent(code, "WKS-1");
        }
        var lines = summary.Format("ingested").Split(Environment.NewLine);
        lines.Should().ContainInOrder(
            "   code  event                        events",
            "      1  Process Create                    2",
            "      3  Network connection detected   1,200",
            "     22  Dns query                         3",
            "    255  Error report                      1",
            "    999                                    4");
    }

    [Fact]
    public void Hosts_are_listed_busiest_first_up_to_twenty_and_the_rest_summed_with_events_without_a_host_shown()
    {
        var summary = new RunSummary();
        for (var h = 1; h <= 25; h++)
        {
            for (var i = 0; i < h; i++) summary.CountEvent("1", $"WKS-{h:00}");
        }
        for (var i = 0; i < 30; i++) summary.CountEvent("1", null);
        summary.UncountEvent("1", "WKS-25"); // refused by the store afterwards
        var text = summary.Format("ingested");
        var lines = text.Split(Environment.NewLine);
        lines.Should().ContainInOrder("  host            events", "  (no host.name)      30", "  WKS-24              24", "  WKS-25              24",
            "  WKS-23              23");
        lines.Should().Contain("  ... 6 more host(s) (26 in all): 21 events", "WKS-01 to WKS-06: 1 + 2 + ... + 6");
        text.Should().NotContain("WKS-06 ").And.Contain("WKS-07 ");
    }
}
