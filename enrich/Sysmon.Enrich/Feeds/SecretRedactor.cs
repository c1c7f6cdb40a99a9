using System.Text.RegularExpressions;

namespace Sysmon.Enrich.Feeds;

/// <summary>Removes credentials from anything about a feed that may be logged or shown: the configured keys
/// themselves, userinfo in URLs, and auth-key query parameters or path segments.</summary>
public static partial class SecretRedactor
{
    [GeneratedRegex(@"(?i)(auth[-_]?key=)[^&\s]+")]
    private static partial Regex AuthKeyQuery();

    [GeneratedRegex(@"(?i)(://)[^/@\s]+@")]
    private static partial Regex UserInfo();

    public static string Redact(string text, IEnumerable<string?> secrets)
    {
        foreach (var secret in secrets)
        {
            if (!string.IsNullOrEmpty(secret) && secret.Length >= 4) text = text.Replace(secret, "***", StringComparison.Ordinal);
        }
        text = AuthKeyQuery().Replace(text, "$1***");
        return UserInfo().Replace(text, "$1***@");
    }
}
