namespace Sysmon.Kibana.Import;

/// <summary>
/// How to reach Kibana: its URL, the space to import into, and credentials from the environment. Kibana logs in
/// with Elasticsearch users and API keys, so SYSMON_KIBANA_* fall back to the SYSMON_ES_* the cluster commands use.
/// A user and password written into the URL are taken out of it and never shown again.
/// </summary>
public sealed record KibanaOptions
{
    public const string UrlVariable = "SYSMON_KIBANA_URL";
    public const string DefaultUrl = "http://localhost:5601";
    public const string ApiKeyVariable = "SYSMON_KIBANA_API_KEY";
    public const string UsernameVariable = "SYSMON_KIBANA_USERNAME";
    public const string PasswordVariable = "SYSMON_KIBANA_PASSWORD";
    public const string CaFileVariable = "SYSMON_KIBANA_CA_FILE";
    private const string EsApiKeyVariable = "SYSMON_ES_API_KEY";
    private const string EsUsernameVariable = "SYSMON_ES_USERNAME";
    private const string EsPasswordVariable = "SYSMON_ES_PASSWORD";

    /// <summary>Kibana's base URL without credentials (a base path such as /kibana is kept).</summary>
    public required Uri Url { get; init; }
    /// <summary>The space to import into; null for the default space.</summary>
    public string? Space { get; init; }
    public string? ApiKey { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }
    /// <summary>A PEM or DER file holding the CA that signed Kibana's certificate, when the system does not trust it.</summary>
    public string? CaFile { get; init; }
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public string DisplayUrl => Url.GetLeftPart(UriPartial.Path).TrimEnd('/');

    public static KibanaOptions Parse(string? url, string? space, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        url = Blank(url) ?? Blank(environment(UrlVariable)) ?? DefaultUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"Kibana URL '{Redacted(url)}' is not an http(s) URL such as {DefaultUrl}");
        }
        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            user = Uri.UnescapeDataString(parts[0]);
            password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null;
            uri = new UriBuilder(uri) { UserName = "", Password = "" }.Uri;
        }
        space = Blank(space);
        if (space is not null && !System.Text.RegularExpressions.Regex.IsMatch(space, "^[a-z0-9_-]+$"))
        {
            throw new ArgumentException($"space '{space}' is not a Kibana space id (lower-case letters, digits, '_' and '-')");
        }
        return new KibanaOptions
        {
            Url = uri,
            Space = space is "default" ? null : space,
            ApiKey = Blank(environment(ApiKeyVariable)) ?? Blank(environment(EsApiKeyVariable)),
            Username = user ?? Blank(environment(UsernameVariable)) ?? Blank(environment(EsUsernameVariable)),
            Password = password ?? Blank(environment(PasswordVariable)) ?? Blank(environment(EsPasswordVariable)),
            CaFile = Blank(environment(CaFileVariable)),
        };
    }

    /// <summary>The URL of one of Kibana's APIs, inside the chosen space.</summary>
    public Uri Api(string pathAndQuery)
    {
        var basePath = Url.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return new Uri(basePath + (Space is null ? "" : "/s/" + Space) + pathAndQuery);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static string Redacted(string url) => System.Text.RegularExpressions.Regex.Replace(url, "//[^/@]*@", "//***@");

    public override string ToString() => DisplayUrl;
}
