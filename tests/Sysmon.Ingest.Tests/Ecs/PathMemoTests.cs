using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Xunit;

namespace Sysmon.Ingest.Tests.Ecs;

/// <summary>The memo answers only for the very path object it was given, so a path with the same text built at run
/// time takes the dictionary's way instead of a wrong answer.</summary>
public sealed class PathMemoTests
{
    [Fact]
    public void It_answers_for_the_same_path_object_only()
    {
        var memo = new PathMemo<int>();
        const string path = "process.executable";
        var sameText = string.Concat("process.", "executable");
        memo.TryGet(path, out _).Should().BeFalse();
        memo.Set(path, 7);
        memo.TryGet(path, out var value).Should().BeTrue();
        value.Should().Be(7);
        memo.TryGet(sameText, out _).Should().BeFalse("another object with the same text is not remembered");
    }

    [Fact]
    public void The_first_path_in_a_slot_keeps_it_and_null_answers_are_remembered()
    {
        var memo = new PathMemo<string?>();
        // Enough distinct objects that several share a slot of the 2,048.
        var paths = Enumerable.Range(0, 5000).Select(i => "field." + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        foreach (var p in paths) memo.Set(p, p.EndsWith('7') ? null : p.ToUpperInvariant());
        var remembered = 0;
        foreach (var p in paths)
        {
            if (!memo.TryGet(p, out var v)) continue;
            remembered++;
            v.Should().Be(p.EndsWith('7') ? null : p.ToUpperInvariant(), "a remembered answer is the one given for that object");
        }
        remembered.Should().BeInRange(1, 2048, "one path per slot");
        memo.Set(paths[0], "changed");
        memo.TryGet(paths[0], out var first).Should().BeTrue();
        first.Should().Be("FIELD.0", "a remembered answer is not replaced");
    }

    [Fact]
    public void Paths_that_hash_to_one_slot_are_each_remembered()
    {
        // Objects whose identity hashes share a slot of the 2,048 (found by trying: the hashes are the runtime's).
        var bySlot = new Dictionary<int, List<string>>();
        List<string>? sharing = null;
        for (var i = 0; sharing is null; i++)
        {
            var p = "collide." + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var slot = System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(p) & 2047;
            if (!bySlot.TryGetValue(slot, out var list)) bySlot[slot] = list = [];
            list.Add(p);
            if (list.Count == 2) sharing = list;
        }
        var memo = new PathMemo<int>();
        memo.Set(sharing[0], 1);
        memo.Set(sharing[1], 2);
        memo.TryGet(sharing[0], out var first).Should().BeTrue();
        memo.TryGet(sharing[1], out var second).Should().BeTrue("a path whose slot another took first is remembered in the next");
        (first, second).Should().Be((1, 2));
    }
}
