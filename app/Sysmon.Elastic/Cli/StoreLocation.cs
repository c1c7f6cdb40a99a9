using System.CommandLine;

namespace Sysmon.Elastic.Cli;

/// <summary>Where events are stored: <c>duckdb:PATH</c> (the embedded default) or an Elasticsearch URL.</summary>
public sealed record StoreLocation(string Kind, string Target)
{
    public const string DefaultUri = "duckdb:./sysmon.duckdb";
    public const string EnvironmentVariable = "SYSMON_STORE";

    public bool IsDuckDb => Kind == "duckdb";

    public static Option<string?> CreateOption() => new("--store")
    {
        Description = $"Store URI: duckdb:PATH (default {DefaultUri}, or ${EnvironmentVariable}) or http(s)://host:9200 for Elasticsearch.",
    };

    public static StoreLocation Parse(string? uri)
    {
        uri ??= Environment.GetEnvironmentVariable(EnvironmentVariable) ?? DefaultUri;
        if (uri.StartsWith("duckdb:", StringComparison.OrdinalIgnoreCase))
        {
            var path = uri["duckdb:".Length..];
            if (path.Length == 0) throw new UsageException("--store duckdb: needs a file path, e.g. duckdb:./sysmon.duckdb");
            return new StoreLocation("duckdb", path);
        }
        if (uri.EndsWith(".duckdb", StringComparison.OrdinalIgnoreCase)) return new StoreLocation("duckdb", uri);
        if (uri.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return new StoreLocation("elasticsearch", uri);
        }
        throw new UsageException($"--store '{uri}' is neither duckdb:PATH nor an http(s):// Elasticsearch URL");
    }

    public override string ToString() => IsDuckDb ? "duckdb:" + Target : RedactedUrl(Target);

    // Never print credentials that may sit in a URL.
    private static string RedactedUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && !string.IsNullOrEmpty(u.UserInfo)
            ? url.Replace(u.UserInfo + "@", "***@", StringComparison.Ordinal)
            : url;
}
