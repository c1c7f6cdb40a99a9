using System.Text;
using FluentAssertions;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;

namespace Sysmon.Ingest.Tests.Readers;

/// <summary>Where the splitter cuts: braces and brackets count only outside strings, escapes hide the byte after
/// them, a raw line break inside a string marks a cut line, and a window that ends early asks for more.</summary>
public sealed class JsonObjectSplitterTests
{
    private static (JsonObjectSplitter.Outcome Outcome, int Length) Split(string text, bool final = false)
    {
        var outcome = JsonObjectSplitter.Next(Encoding.UTF8.GetBytes(text), final, out _, out var length);
        return (outcome, length);
    }

    [Theory]
    [InlineData("""{"a":"x}"}{"b":1}""", 10)]
    [InlineData("""{"a":"\"}"}{"b":1}""", 11)]
    [InlineData("""{"a":"C:\\"}{"b":1}""", 12)]
    [InlineData("""{"a":[1,{"b":"]"}],"c":{}} trailing""", 26)]
    [InlineData("{\"a\":\"\\\n\"}\n", 10)]
    public void An_object_ends_at_its_own_closing_brace(string text, int length) =>
        Split(text).Should().Be((JsonObjectSplitter.Outcome.Object, length));

    [Fact]
    public void A_line_cut_inside_a_string_is_junk_up_to_its_line_break()
    {
        Split("{\"a\":\"cut\n{\"b\":1}\n").Should().Be((JsonObjectSplitter.Outcome.Junk, 10));
    }

    [Theory]
    [InlineData("""{"a":1""")]
    [InlineData("{\"a\":\"x\\")]
    [InlineData("{\"a\":\"x\\\"")]
    [InlineData("""{"a":[{"b":"}""")]
    public void An_unfinished_object_asks_for_more_and_is_junk_at_the_end_of_input(string text)
    {
        Split(text).Should().Be((JsonObjectSplitter.Outcome.NeedMore, 0));
        Split(text, final: true).Should().Be((JsonObjectSplitter.Outcome.Junk, Encoding.UTF8.GetByteCount(text)));
    }

    [Fact]
    public void Every_sample_event_line_is_cut_exactly_at_its_end()
    {
        var lines = SampleEvents.All.Select(EventForms.Beats).ToList();
        lines.Should().NotBeEmpty();
        foreach (var line in lines)
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            Split(line + "\n" + line + "\n").Should().Be((JsonObjectSplitter.Outcome.Object, bytes.Length), line);
            Split(line[..^1]).Should().Be((JsonObjectSplitter.Outcome.NeedMore, 0), "the window ended one byte short");
        }
    }
}
