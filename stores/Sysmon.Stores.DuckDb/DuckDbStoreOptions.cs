using System.Globalization;
using System.Text.RegularExpressions;

namespace Sysmon.Stores.DuckDb;

/// <summary>
/// DuckDB's resources for one store, as an operator may set them after the file's path
/// (<c>duckdb:./sysmon.duckdb?load_memory_limit=256MB&amp;threads=4</c>). Null means the store's default (see
/// <see cref="DuckDbStore.Open(string, string?, int?, string, int?, string?)"/>). The defaults keep a 2-core machine under
/// 400 MB; a machine with memory to spare, or events wide enough that a load does not fit, raises them here.
/// </summary>
public sealed partial record DuckDbStoreOptions
{
    /// <summary>The names an operator writes, as DuckDB names the settings they change (<c>lock_wait</c> is the store's own).</summary>
    public static IReadOnlyList<string> Names { get; } = ["memory_limit", "load_memory_limit", "threads", "load_threads", "checkpoint_threshold", "lock_wait"];

    /// <summary>DuckDB's memory limit for queries and the store's fallback (default 256MB).</summary>
    public string? MemoryLimit { get; init; }

    /// <summary>DuckDB's memory limit while it loads events (default 128MB per loading thread).</summary>
    public string? LoadMemoryLimit { get; init; }

    /// <summary>DuckDB's threads for queries (default: every core).</summary>
    public int? Threads { get; init; }

    /// <summary>DuckDB's threads while it loads events (default: half the cores).</summary>
    public int? LoadThreads { get; init; }

    /// <summary>WAL size at which DuckDB checkpoints on its own (default 128MB for `ingest`, 32MB for the worker).</summary>
    public string? CheckpointThreshold { get; init; }

    /// <summary>How long a one-off command (query, hunt, ingest, feeds) waits for the file while another process has it
    /// (default 20 s). A fixed 20 s refused a query during any longer ingest; 0 refuses at once, for scripts.</summary>
    public TimeSpan? LockWait { get; init; }

    public static DuckDbStoreOptions Default { get; } = new();

    /// <summary>Reads <c>name=value</c> pairs; an unknown name or a value DuckDB would not take is refused with an
    /// <see cref="ArgumentException"/> that says what is expected (values end up in SQL, so they are checked here).</summary>
    public static DuckDbStoreOptions Parse(IEnumerable<KeyValuePair<string, string>> settings)
    {
        var options = Default;
        foreach (var (name, value) in settings)
        {
            options = name.ToLowerInvariant() switch
            {
                "memory_limit" => options with { MemoryLimit = Size(name, value) },
                "load_memory_limit" => options with { LoadMemoryLimit = Size(name, value) },
                "threads" => options with { Threads = Count(name, value) },
                "load_threads" => options with { LoadThreads = Count(name, value) },
                "checkpoint_threshold" => options with { CheckpointThreshold = Size(name, value) },
                "lock_wait" => options with { LockWait = Duration(name, value) },
                _ => throw new ArgumentException($"unknown DuckDB store option '{name}'; known: {string.Join(", ", Names)}"),
            };
        }
        if (options is { MemoryLimit: { } memory, LoadMemoryLimit: { } load } && Bytes(load) > Bytes(memory))
        {
            throw new ArgumentException($"DuckDB store option load_memory_limit={load} is above memory_limit={memory}: a load that " +
                "does not fit its limit runs again under memory_limit, so memory_limit must be the larger");
        }
        return options;
    }

    /// <summary>Bytes in a size DuckDB accepts (see <see cref="SizePattern"/>).</summary>
    internal static double Bytes(string size)
    {
        var match = SizePattern().Match(size.Trim());
        if (!match.Success) throw new ArgumentException($"not a DuckDB size: {size}", nameof(size));
        var unit = match.Groups[2].Value.ToUpperInvariant();
        var number = double.Parse(size.Trim()[..match.Groups[2].Index].Trim(), CultureInfo.InvariantCulture);
        return number * unit switch
        {
            "B" => 1,
            "KB" => 1e3,
            "MB" => 1e6,
            "GB" => 1e9,
            "TB" => 1e12,
            "KIB" => 1024.0,
            "MIB" => 1024.0 * 1024,
            "GIB" => 1024.0 * 1024 * 1024,
            _ => 1024.0 * 1024 * 1024 * 1024,
        };
    }

    // DuckDB's own size syntax: a number and a unit (bytes, KB/MB/GB/TB in 1000s, KiB/MiB/GiB/TiB in 1024s).
    [GeneratedRegex(@"^[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();

    private static string Size(string name, string value) =>
        SizePattern().IsMatch(value.Trim())
            ? value.Trim()
            : throw new ArgumentException($"DuckDB store option {name}={value}: expected a size such as 256MB or 1GB");

    private static int Count(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
            ? n
            : throw new ArgumentException($"DuckDB store option {name}={value}: expected a whole number of threads, at least 1");

    // Seconds, or a number with s, m or h (30s, 5m, 1h): what an operator writes in a URI, where "00:05:00" reads badly.
    [GeneratedRegex(@"^([0-9]{1,7})\s*(s|m|h)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();

    private static TimeSpan Duration(string name, string value)
    {
        var match = DurationPattern().Match(value.Trim());
        if (!match.Success) throw new ArgumentException($"DuckDB store option {name}={value}: expected a time such as 30s, 5m or 1h (0: do not wait)");
        var n = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value.ToLowerInvariant() switch
        {
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromSeconds(n),
        };
    }

    /// <summary>The time as written in a URI (90s, 5m).</summary>
    public static string FormatDuration(TimeSpan time) =>
        time.TotalSeconds % 3600 == 0 && time > TimeSpan.Zero ? $"{time.TotalHours:0}h"
        : time.TotalSeconds % 60 == 0 && time > TimeSpan.Zero ? $"{time.TotalMinutes:0}m"
        : $"{time.TotalSeconds:0}s";

    /// <summary>The options as written after the path (empty when all are defaults).</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (MemoryLimit is not null) parts.Add("memory_limit=" + MemoryLimit);
        if (LoadMemoryLimit is not null) parts.Add("load_memory_limit=" + LoadMemoryLimit);
        if (Threads is { } t) parts.Add("threads=" + t.ToString(CultureInfo.InvariantCulture));
        if (LoadThreads is { } l) parts.Add("load_threads=" + l.ToString(CultureInfo.InvariantCulture));
        if (CheckpointThreshold is not null) parts.Add("checkpoint_threshold=" + CheckpointThreshold);
        if (LockWait is { } w) parts.Add("lock_wait=" + FormatDuration(w));
        return string.Join('&', parts);
    }
}
