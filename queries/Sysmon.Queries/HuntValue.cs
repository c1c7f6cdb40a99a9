using System.Globalization;

namespace Sysmon.Queries;

/// <summary>How a value of a <see cref="HuntResult"/> reads as text, the same wherever results are shown or stored:
/// times as ISO-8601 UTC with milliseconds, multi-values joined by ", ", numbers culture-invariant.</summary>
public static class HuntValue
{
    public static string? ToText(object? value) => value switch
    {
        null => null,
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        DateTimeOffset o => o.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        string s => s,
        System.Collections.IEnumerable list => string.Join(", ", list.Cast<object?>().Select(ToText)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
