using FluentAssertions;
using Sysmon.Ingest.Json;
using Xunit;

namespace Sysmon.Ingest.Tests.Readers;

public sealed class JsonPathTreeTests
{
    // The paths of one object's members, read in the order given, under parent.
    private static List<string> Members(JsonPathTree tree, JsonPathTree.Node parent, params string[] names)
    {
        JsonPathTree.Node? previous = null;
        var paths = new List<string>();
        foreach (var name in names)
        {
            previous = tree.Child(parent, previous, System.Text.Encoding.UTF8.GetBytes(name));
            paths.Add(previous.Path);
        }
        return paths;
    }

    [Fact]
    public void Members_in_another_order_or_another_set_get_their_own_paths_and_the_same_nodes_again()
    {
        var tree = new JsonPathTree();
        var winlog = tree.Child(tree.Root, null, "winlog"u8);
        var data = tree.Child(winlog, null, "event_data"u8);
        data.Path.Should().Be("winlog.event_data");
        Members(tree, data, "RuleName", "UtcTime", "Image").Should().Equal(
            "winlog.event_data.RuleName", "winlog.event_data.UtcTime", "winlog.event_data.Image");
        // Another event's members: the learned successors miss, the paths are still each member's own.
        Members(tree, data, "UtcTime", "Image", "QueryName", "RuleName").Should().Equal(
            "winlog.event_data.UtcTime", "winlog.event_data.Image", "winlog.event_data.QueryName", "winlog.event_data.RuleName");
        Members(tree, tree.Root, "Image", "UtcTime").Should().Equal("Image", "UtcTime");
        tree.Child(data, null, "Image"u8).Should().BeSameAs(tree.Child(data, tree.Child(data, null, "UtcTime"u8), "Image"u8));
        tree.Child(data, null, "Image").Should().BeSameAs(tree.Child(data, null, "Image"u8), "a name given as text (escaped in the JSON) is the same member");
    }
}
