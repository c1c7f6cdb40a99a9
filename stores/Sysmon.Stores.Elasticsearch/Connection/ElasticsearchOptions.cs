namespace Sysmon.Stores.Elasticsearch.Connection;

/// <summary>
/// How to reach a cluster: the URL and, from the environment (architecture.md), an API key or a user and password,
/// and TLS trust (a CA fingerprint or a CA file). Certificate verification is on unless explicitly turned off.
/// A user and password written into the URL are taken from it and never shown again.
/// </summary>
public sealed record ElasticsearchOptions
{
    public const string ApiKeyVariable = "SYSMON_ES_API_KEY";
    public const string UsernameVariable = "SYSMON_ES_USERNAME";
    public const string PasswordVariable = "SYSMON_ES_PASSWORD";
    public const string CaFingerprintVariable = "SYSMON_ES_CA_FINGERPRINT";
    public const string CaFileVariable = "SYSMON_ES_CA_FILE";
    public const string InsecureVariable = "SYSMON_ES_INSECURE";

    /// <summary>The cluster URL without credentials.</summary>
    public required Uri Url { get; init; }
    public string? ApiKey { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }
    /// <summary>SHA-256 fingerprint of the CA (or server) certificate, hex with or without colons.</summary>
    public string? CaFingerprint { get; init; }
    /// <summary>A PEM or DER file holding the CA that signed the cluster's certificate.</summary>
    public string? CaFile { get; init; }
    /// <summary>Skip certificate verification (throw-away test clusters only).</summary>
    public bool Insecure { get; init; }
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The URL as it may be shown: never with credentials.</summary>
    public string DisplayUrl => Url.GetLeftPart(UriPartial.Path).TrimEnd('/');

    public static ElasticsearchOptions Parse(string url, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("an Elasticsearch store must be an http:// or https:// URL, e.g. https://localhost:9200");
        }
        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            user = Uri.UnescapeDataString(parts[0]);
            password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null;
            uri = new UriBuilder(uri) { UserName = "", Password = "" }.Uri;
        }
        var insecure = environment(InsecureVariable);
        return new ElasticsearchOptions
        {
            Url = uri,
            ApiKey = Blank(environment(ApiKeyVariable)),
            Username = user ?? Blank(environment(UsernameVariable)),
            Password = password ?? Blank(environment(PasswordVariable)),
            CaFingerprint = Blank(environment(CaFingerprintVariable)),
            CaFile = Blank(environment(CaFileVariable)),
            Insecure = insecure is "1" || string.Equals(insecure, "true", StringComparison.OrdinalIgnoreCase),
        };
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    // Records print their properties; this one must not print secrets.
    public override string ToString() => DisplayUrl;
}
