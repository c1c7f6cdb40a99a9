using System.CommandLine;
using Sysmon.Stores.DuckDb;
using Sysmon.Stores.Elasticsearch.Writing;

namespace Sysmon.Elastic.Cli;

/// <summary>Where events are stored: <c>duckdb:PATH</c> (the embedded default) or an Elasticsearch URL.</summary>
public sealed record StoreLocation(string Kind, string Target)
{
    public const string DefaultUri = "duckdb:./sysmon.duckdb";
    public const string EnvironmentVariable = "SYSMON_STORE";

    public bool IsDuckDb => Kind == "duckdb";

    public static Option<string?> CreateOption() => new("--store")
    {
        Description = $"Store URI: duckdb:PATH[?load_memory_limit=256MB&...] (default {DefaultUri}, or ${EnvironmentVariable}) or http(s)://host:9200[?bulk_mb=5&bulk_in_flight=3] for Elasticsearch.",
    };

    public static StoreLocation Parse(string? uri)
    {
        uri ??= Environment.GetEnvironmentVariable(EnvironmentVariable) ?? DefaultUri;
        if (uri.StartsWith("duckdb:", StringComparison.OrdinalIgnoreCase))
        {
            var (path, options) = DuckDbPathAndOptions(uri["duckdb:".Length..]);
            if (path.Length == 0) throw new UsageException("--store duckdb: needs a file path, e.g. duckdb:./sysmon.duckdb");
            return new StoreLocation("duckdb", path) { DuckDbOptions = options };
        }
        if (uri.EndsWith(".duckdb", StringComparison.OrdinalIgnoreCase)) return new StoreLocation("duckdb", uri);
        if (uri.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            // The bulk writer's settings ride in the URL's query (https://es:9200?bulk_mb=10), which is not sent.
            var mark = uri.IndexOf('?');
            if (mark < 0) return new StoreLocation("elasticsearch", uri);
            var pairs = Pairs(uri[(mark + 1)..], "Elasticsearch", BulkWriterOptions.Names, "");
            return new StoreLocation("elasticsearch", uri[..mark]) { BulkOptions = Parsed(() => BulkWriterOptions.Parse(pairs)) };
        }
        throw new UsageException($"--store '{uri}' is neither duckdb:PATH nor an http(s):// Elasticsearch URL");
    }

    /// <summary>DuckDB's resources as given after the path (<c>duckdb:PATH?load_memory_limit=256MB</c>).</summary>
    public DuckDbStoreOptions DuckDbOptions { get; init; } = DuckDbStoreOptions.Default;

    /// <summary>The Elasticsearch bulk writer's sizes as given after the URL (<c>https://es:9200?bulk_mb=10</c>).</summary>
    public BulkWriterOptions BulkOptions { get; init; } = BulkWriterOptions.Default;

    // "PATH?name=value&name=value": the options after the last '?' (a '?' cannot be in a Windows path and is rare
    // elsewhere; a path that has one and no options can end with '?').
    private static (string Path, DuckDbStoreOptions Options) DuckDbPathAndOptions(string text)
    {
        var mark = text.LastIndexOf('?');
        if (mark < 0) return (text, DuckDbStoreOptions.Default);
        var pairs = Pairs(text[(mark + 1)..], "duckdb:", DuckDbStoreOptions.Names,
            "; a file name with '?' in it ends the URI with '?' (duckdb:PATH?)");
        return (text[..mark], Parsed(() => DuckDbStoreOptions.Parse(pairs)));
    }

    // "name=value&name=value" after a store's '?'.
    private static List<KeyValuePair<string, string>> Pairs(string query, string store, IReadOnlyList<string> known, string hint)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new UsageException($"--store {store} option '{pair}' is not name=value (known: {string.Join(", ", known)}){hint}");
            pairs.Add(new(pair[..eq].Trim(), pair[(eq + 1)..].Trim()));
        }
        return pairs;
    }

    private static T Parsed<T>(Func<T> parse) => UsageException.From(parse, "--store: ");

    /// <summary>The store itself, whatever the options or spelling of its path (a DuckDB file's full path, a cluster's URL
    /// without credentials): two locations with the same identity are one store.</summary>
    public string Identity => IsDuckDb ? "duckdb:" + Path.GetFullPath(Target) : RedactedUrl(Target).TrimEnd('/');

    public override string ToString() =>
        IsDuckDb ? "duckdb:" + Target + (DuckDbOptions.ToString() is { Length: > 0 } o ? "?" + o : "")
                 : RedactedUrl(Target) + (BulkOptions.ToString() is { Length: > 0 } b ? "?" + b : "");

    // Never print credentials that may sit in a URL.
    private static string RedactedUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && !string.IsNullOrEmpty(u.UserInfo)
            ? url.Replace(u.UserInfo + "@", "***@", StringComparison.Ordinal)
            : url;
}
