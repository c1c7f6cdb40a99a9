using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sysmon.Kibana.Import;

/// <summary>
/// Trust for a Kibana whose certificate a private CA signed (Elastic's certutil, a company CA): the CA file of
/// <c>SYSMON_KIBANA_CA_FILE</c> is the only root a chain may end in. The host name is still checked.
/// </summary>
public static class KibanaTrust
{
    public static X509Certificate2 LoadCa(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            return text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(text)
                : X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ArgumentException($"{KibanaOptions.CaFileVariable} '{path}' is not a readable certificate: {e.Message}", e);
        }
    }

    /// <summary>Whether a server certificate is trusted: by the system, or through a chain ending in <paramref name="ca"/>.</summary>
    public static bool Accepts(X509Certificate2 ca, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = new X509Certificate2(certificate);
        return chain.Build(server);
    }
}
