namespace Sysmon.Ingest.Ecs;

public enum EcsValueKind : byte { String, Long, Bool, Strings, Objects, Map }

/// <summary>One ECS field value: a keyword/text, a number, a boolean, a list of strings, a list of objects
/// (<c>dns.answers</c>), or an ordered string map whose keys are kept verbatim (<c>winlog.event_data</c>).</summary>
public readonly struct EcsValue
{
    private readonly object? _ref;
    private readonly long _number;

    public EcsValueKind Kind { get; }

    private EcsValue(EcsValueKind kind, object? reference, long number)
    {
        Kind = kind;
        _ref = reference;
        _number = number;
    }

    public static EcsValue Of(string value) => new(EcsValueKind.String, value, 0);
    public static EcsValue Of(long value) => new(EcsValueKind.Long, null, value);
    public static EcsValue Of(bool value) => new(EcsValueKind.Bool, null, value ? 1 : 0);
    public static EcsValue Of(List<string> values) => new(EcsValueKind.Strings, values, 0);
    public static EcsValue Of(List<EcsDocument> objects) => new(EcsValueKind.Objects, objects, 0);
    public static EcsValue Of(List<KeyValuePair<string, string>> map) => new(EcsValueKind.Map, map, 0);

    public string AsString => (string)_ref!;
    public long AsLong => _number;
    public bool AsBool => _number != 0;
    public List<string> AsStrings => (List<string>)_ref!;
    public List<EcsDocument> AsObjects => (List<EcsDocument>)_ref!;
    public List<KeyValuePair<string, string>> AsMap => (List<KeyValuePair<string, string>>)_ref!;

    public override string ToString() => Kind switch
    {
        EcsValueKind.String => AsString,
        EcsValueKind.Long => AsLong.ToString(System.Globalization.CultureInfo.InvariantCulture),
        EcsValueKind.Bool => AsBool ? "true" : "false",
        EcsValueKind.Strings => "[" + string.Join(", ", AsStrings) + "]",
        EcsValueKind.Objects => $"[{AsObjects.Count} objects]",
        _ => $"{{{AsMap.Count} entries}}",
    };
}
