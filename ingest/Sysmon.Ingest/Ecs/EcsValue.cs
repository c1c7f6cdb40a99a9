namespace Sysmon.Ingest.Ecs;

public enum EcsValueKind : byte { String, Long, Bool, Strings, Objects, Map }

/// <summary>One ECS field value: a keyword/text, a number, a boolean, a list of strings, a list of objects
/// (<c>dns.answers</c>), or an ordered string map whose keys are kept verbatim (<c>winlog.event_data</c>).</summary>
public readonly struct EcsValue
{
    // 16 bytes instead of 24 (a document holds ~50 values; its field list was ~2 KB): a value with a reference keeps
    // its kind in the otherwise unused number; a number has no reference; a boolean has the marker as reference.
    private static readonly object BoolMarker = new();
    private static readonly object NullString = new(); // a null string stays a string (not a number)
    private readonly object? _ref;
    private readonly long _number;

    public EcsValueKind Kind =>
        _ref is null ? EcsValueKind.Long : ReferenceEquals(_ref, BoolMarker) ? EcsValueKind.Bool : (EcsValueKind)_number;

    private EcsValue(object? reference, long number)
    {
        _ref = reference;
        _number = number;
    }

    public static EcsValue Of(string value) => new((object?)value ?? NullString, (long)EcsValueKind.String);
    public static EcsValue Of(long value) => new(null, value);
    public static EcsValue Of(bool value) => new(BoolMarker, value ? 1 : 0);
    public static EcsValue Of(List<string> values) => new(values, (long)EcsValueKind.Strings);
    public static EcsValue Of(List<EcsDocument> objects) => new(objects, (long)EcsValueKind.Objects);
    public static EcsValue Of(List<KeyValuePair<string, string>> map) => new(map, (long)EcsValueKind.Map);

    public string AsString => (_ref as string)!;
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
