using System.Collections.Frozen;
using System.Reflection;

namespace Sysmon.Ingest.Catalogue;

/// <summary>
/// The Sysmon event catalogue and the ECS field map, read once from the tables embedded beside this file.
/// The tables are the specification; code only interprets them.
/// </summary>
public sealed class EventCatalogue
{
    private static readonly Lazy<EventCatalogue> LazyDefault = new(Load);

    public static EventCatalogue Default => LazyDefault.Value;

    private readonly FrozenDictionary<int, EventDefinition> _byId;
    private readonly FrozenDictionary<string, EventDefinition> _byHeader;
    // Per event id: the mappings that apply, keyed by source field name (built lazily, cached).
    private readonly FrozenDictionary<int, FrozenDictionary<string, FieldMapping[]>> _mappingsById;
    private readonly FrozenDictionary<string, FieldMapping[]> _mappingsForUnknown;

    public IReadOnlyCollection<EventDefinition> Events => _byId.Values;
    public IReadOnlyList<FieldMapping> Mappings { get; }

    private EventCatalogue(IEnumerable<EventDefinition> events, IReadOnlyList<FieldMapping> mappings)
    {
        _byId = events.ToFrozenDictionary(e => e.Id);
        _byHeader = _byId.Values
            .SelectMany(e => e.Headers.Select(h => (h, e)))
            .ToFrozenDictionary(x => x.h, x => x.e, StringComparer.Ordinal);
        Mappings = mappings;
        _mappingsById = _byId.Keys.ToFrozenDictionary(id => id, id => IndexMappings(mappings, id));
        _mappingsForUnknown = IndexMappings(mappings, -1);
    }

    private static FrozenDictionary<string, FieldMapping[]> IndexMappings(IReadOnlyList<FieldMapping> mappings, int id) =>
        mappings.Where(m => m.AppliesTo(id) && (id >= 0 || m.Events is null))
            .GroupBy(m => m.Source, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);

    public EventDefinition? Find(int id) => _byId.GetValueOrDefault(id);

    /// <summary>The event whose rendered-message header is exactly <paramref name="header"/> (trailing blanks ignored).</summary>
    public EventDefinition? FindByHeader(ReadOnlySpan<char> header)
    {
        header = header.TrimEnd();
        if (header.IsEmpty || header[^1] != ':') return null;
        return _byHeader.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(header, out var def) ? def : null;
    }

    /// <summary>The ECS mappings that apply to EventData field <paramref name="source"/> of event <paramref name="eventId"/>.</summary>
    public FieldMapping[]? MappingsFor(int eventId, string source)
    {
        var table = _mappingsById.TryGetValue(eventId, out var t) ? t : _mappingsForUnknown;
        return table.GetValueOrDefault(source);
    }

    private static EventCatalogue Load()
    {
        var events = ReadTable("sysmon-events.tsv").Select(ParseEvent).ToList();
        var mappings = ReadTable("ecs-field-map.tsv").Select(ParseMapping).ToList();
        return new EventCatalogue(events, mappings);
    }

    private static IEnumerable<string[]> ReadTable(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded table {name} is missing from the build");
        using var reader = new StreamReader(stream);
        var rows = new List<string[]>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            rows.Add(line.Split('\t'));
        }
        return rows;
    }

    private static IReadOnlyList<string> List(string cell) =>
        cell == "-" ? [] : cell.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static EventDefinition ParseEvent(string[] c) => new()
    {
        Id = int.Parse(c[0]),
        RuleTag = c[1] == "-" ? null : c[1],
        Headers = c[2].Split('|'),
        Version = int.Parse(c[3]),
        Categories = List(c[4]),
        Types = List(c[5]),
        Action = c[6],
        Fields = List(c[7]),
    };

    private static FieldMapping ParseMapping(string[] c)
    {
        var events = c[2];
        var excluding = events.StartsWith('!');
        return new FieldMapping
        {
            Source = c[0],
            Target = c[1],
            Events = events == "*" ? null : events.TrimStart('!').Split(',').Select(int.Parse).ToFrozenSet(),
            Excluding = excluding,
            Conversion = c[3] switch
            {
                "string" => FieldConversion.String,
                "long" => FieldConversion.Long,
                "ip" => FieldConversion.Ip,
                "bool" => FieldConversion.Bool,
                _ => throw new InvalidOperationException($"ecs-field-map.tsv: unknown conversion '{c[3]}'"),
            },
            KeepInEventData = c[4] == "copy",
        };
    }
}
