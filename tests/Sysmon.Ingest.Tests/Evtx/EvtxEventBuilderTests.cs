using FluentAssertions;
using Sysmon.Ingest.Evtx;
using Xunit;

namespace Sysmon.Ingest.Tests.Evtx;

/// <summary>The builder keeps an element's text whole, whether it came in one piece (a substitution) or several
/// (text, character and entity references around substitutions).</summary>
public sealed class EvtxEventBuilderTests
{
    private static Sysmon.Ingest.Events.SysmonEvent Build(params string[][] dataParts)
    {
        var builder = new EvtxEventBuilder();
        var e = builder.Start();
        builder.StartElement("Event");
        builder.StartElement("System");
        builder.StartElement("EventID");
        builder.Text("1");
        builder.EndElement();
        builder.EndElement();
        builder.StartElement("EventData");
        for (var i = 0; i < dataParts.Length; i++)
        {
            builder.StartElement("Data");
            builder.Attribute("Name", "Field" + i);
            foreach (var part in dataParts[i]) builder.Text(part);
            builder.EndElement();
        }
        builder.EndElement();
        builder.EndElement();
        builder.SawEventId.Should().BeTrue();
        return e;
    }

    [Fact]
    public void Text_in_one_piece_and_in_several_pieces_is_kept_whole_and_apart_per_element()
    {
        var e = Build(["C:\\Windows\\cmd.exe"], ["a", "&", "b", "<"], [], ["x"], ["", "y"]);
        e.EventId.Should().Be(1);
        e.Data.Should().Equal(
            new KeyValuePair<string, string>("Field0", "C:\\Windows\\cmd.exe"),
            new KeyValuePair<string, string>("Field1", "a&b<"),
            new KeyValuePair<string, string>("Field2", ""),
            new KeyValuePair<string, string>("Field3", "x"),
            new KeyValuePair<string, string>("Field4", "y"));
    }
}
