using System.Globalization;

namespace Sysmon.Stores.Elasticsearch.Writing;

/// <summary>
/// Sizes, concurrency and retry budget of the bulk writer. An operator sets the first two after the cluster's URL
/// (<c>https://es:9200?bulk_mb=10&amp;bulk_in_flight=6</c>): Elastic's tuning advice is to find the request size where
/// indexing stops getting faster (a few MB to a few tens), and a larger cluster takes more requests at once.
/// </summary>
public sealed record BulkWriterOptions
{
    /// <summary>The names an operator writes.</summary>
    public static IReadOnlyList<string> Names { get; } = ["bulk_mb", "bulk_in_flight"];

    /// <summary>About this many bytes per request (before gzip).</summary>
    public int MaxRequestBytes { get; init; } = 5 * 1024 * 1024;
    /// <summary>Requests in flight at once.</summary>
    public int MaxInFlight { get; init; } = 3;
    public Backoff Backoff { get; init; } = new();

    public static BulkWriterOptions Default { get; } = new();

    /// <summary>Reads <c>name=value</c> pairs; an unknown name or a value out of range is refused with an
    /// <see cref="ArgumentException"/> that says what is expected.</summary>
    public static BulkWriterOptions Parse(IEnumerable<KeyValuePair<string, string>> settings)
    {
        var options = Default;
        foreach (var (name, value) in settings)
        {
            options = name.ToLowerInvariant() switch
            {
                // Elasticsearch refuses bodies over http.max_content_length (100mb by default).
                "bulk_mb" => options with { MaxRequestBytes = Whole(name, value, 1, 90, "megabytes per bulk request") * 1024 * 1024 },
                "bulk_in_flight" => options with { MaxInFlight = Whole(name, value, 1, 64, "bulk requests in flight at once") },
                _ => throw new ArgumentException($"unknown Elasticsearch store option '{name}'; known: {string.Join(", ", Names)}"),
            };
        }
        return options;
    }

    private static int Whole(string name, string value, int min, int max, string what) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"Elasticsearch store option {name}={value}: expected {what}, a whole number from {min} to {max}");

    /// <summary>The options as written after the URL (empty when they are the defaults).</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (MaxRequestBytes != Default.MaxRequestBytes) parts.Add("bulk_mb=" + (MaxRequestBytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture));
        if (MaxInFlight != Default.MaxInFlight) parts.Add("bulk_in_flight=" + MaxInFlight.ToString(CultureInfo.InvariantCulture));
        return string.Join('&', parts);
    }
}
