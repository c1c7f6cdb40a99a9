using FluentAssertions;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Text;
using Sysmon.Ingest.Xml;
using Xunit;

namespace Sysmon.Ingest.Tests.Fixtures;

/// <summary>
/// The repository's samples/ folder (what the README's first command converts on a fresh clone) holds one event
/// of every id in each textual form, written from <see cref="SampleEvents"/>. SYSMON_UPDATE_GOLDEN=1 rewrites it.
/// </summary>
public sealed class SamplesFolderTests
{
    private static string Folder => Path.Combine(GoldenFiles.Directory(), "..", "..", "..", "samples");

    private static string Expected(string name) => name switch
    {
        "sysmon-events.xml" => "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n" +
                               string.Concat(SampleEvents.All.Select(s => EventForms.Xml(s) + "\n")) + "</Events>\n",
        "sysmon-events.ndjson" => string.Concat(SampleEvents.All.Select(s => EventForms.Beats(s) + "\n")),
        "sysmon-events.txt" => string.Join("\r\n\r\n", SampleEvents.All.Select(s => EventForms.Text(s))) + "\r\n",
        "sysmon-events.csv" => "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n" + EventForms.GetWinEventCsvHeader + "\r\n" +
                               string.Concat(SampleEvents.All.Select(s => EventForms.GetWinEventCsvRow(s) + "\r\n")),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [InlineData("sysmon-events.xml")]
    [InlineData("sysmon-events.ndjson")]
    [InlineData("sysmon-events.txt")]
    [InlineData("sysmon-events.csv")]
    public async Task Samples_hold_every_event_id_and_read_back_completely(string name)
    {
        var path = Path.Combine(Folder, name);
        if (Environment.GetEnvironmentVariable("SYSMON_UPDATE_GOLDEN") == "1") await File.WriteAllTextAsync(path, Expected(name));
        var text = await File.ReadAllTextAsync(path);
        text.Should().Be(Expected(name));
        Sysmon.Ingest.Reading.IEventReader reader = name.EndsWith(".xml") ? new XmlEventReader()
            : name.EndsWith(".ndjson") ? new JsonEventReader() : name.EndsWith(".csv") ? new Csv.CsvEventReader() : new MessageTextReader();
        var events = await Convert.EventsAsync(reader, text);
        events.Select(e => e.EventId).Should().Equal(SampleEvents.All.Select(s => s.Id));
    }
}
