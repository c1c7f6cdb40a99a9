using System.Globalization;

namespace Sysmon.Queries.Hunts;

/// <summary>A hunt parameter from the file header: <c>// param: name type [default]</c>.</summary>
public sealed record HuntParameter(string Name, string Type, string? Default)
{
    /// <summary>Converts command-line text to the parameter's type; a clear error when it does not fit. A time is
    /// ISO-8601 or date math (<c>now-7d</c>), which <paramref name="now"/> resolves.</summary>
    public object? Convert(string text, DateTimeOffset now) => Type switch
    {
        "string" => text,
        "long" => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l
            : throw new ArgumentException($"parameter {Name} needs a whole number, not '{text}'"),
        "double" => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
            : throw new ArgumentException($"parameter {Name} needs a number, not '{text}'"),
        "bool" => bool.TryParse(text, out var b) ? b : throw new ArgumentException($"parameter {Name} needs true or false, not '{text}'"),
        "datetime" => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t
            : DateMath.TryParse(text, out var math) ? math.Resolve(now)
            : throw new ArgumentException($"parameter {Name} needs an ISO-8601 time or date math (now-24h, now-7d/d), not '{text}'"),
        _ => throw new ArgumentException($"parameter {Name} has unknown type {Type}"),
    };

    /// <summary>The default's date math when this is a time parameter whose default is relative (<c>now-1d</c>).</summary>
    public DateMath? RelativeDefault => Type == "datetime" && Default is { } d && DateMath.TryParse(d, out var math) ? math : null;
}
