using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Reading;
using Sysmon.Ingest.Text;
using Sysmon.Ingest.Xml;
using System.Text;

namespace Sysmon.Bench;

/// <summary>
/// Benchmark inputs built from the repository's samples/ (one realistic event of every Sysmon id per form),
/// repeated to the wanted size: the mix of event types is the catalogue's, every record distinct in position.
/// </summary>
public static class BenchData
{
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sysmon.Elastic.sln"))) return dir.FullName;
        }
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sysmon.Elastic.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("run the benchmarks from inside the repository");
    }

    /// <summary>The reader a bench input file needs, by its extension (as `generate` names them).</summary>
    public static string FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".json" or ".ndjson" or ".jsonl" => "json",
        ".xml" => "xml",
        ".evtx" => "evtx",
        _ => "text",
    };

    /// <summary>The reader for a bench format ("json", "xml", "evtx", anything else is rendered text).</summary>
    public static IEventReader ReaderFor(string format) => format switch
    {
        "xml" => new XmlEventReader(),
        "evtx" => new Sysmon.Ingest.Evtx.EvtxEventReader(),
        "json" => new JsonEventReader(),
        _ => new MessageTextReader(),
    };

    /// <summary>The mapper every bench stage uses: a fixed host name and the Public Suffix List when installed.</summary>
    public static EcsMapper Mapper() => new(new EcsMapperOptions { HostName = "BENCH", PublicSuffixes = PublicSuffixList.TryLoad() });

    /// <summary>Returns (bytes, event count) of an input of about <paramref name="events"/> events.</summary>
    public static (byte[] Bytes, int Events) Build(string format, int events)
    {
        var samples = Path.Combine(RepositoryRoot(), "samples");
        string[] records = format switch
        {
            "xml" => File.ReadAllLines(Path.Combine(samples, "sysmon-events.xml")).Where(l => l.StartsWith("<Event ", StringComparison.Ordinal)).ToArray(),
            "json" => File.ReadAllLines(Path.Combine(samples, "sysmon-events.ndjson")).Where(l => l.Length > 0).ToArray(),
            "text" => File.ReadAllText(Path.Combine(samples, "sysmon-events.txt")).Split("\r\n\r\n").Select(s => s.TrimEnd()).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
        var sb = new StringBuilder();
        if (format == "xml") sb.Append("<Events>\n");
        var count = 0;
        while (count < events)
        {
            foreach (var r in records)
            {
                sb.Append(r).Append(format == "text" ? "\r\n\r\n" : "\n");
                if (++count == events) break;
            }
        }
        if (format == "xml") sb.Append("</Events>\n");
        return (Encoding.UTF8.GetBytes(sb.ToString()), count);
    }
}
