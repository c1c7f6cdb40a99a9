using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FluentAssertions;
using Sysmon.Kibana.Import;
using Xunit;

namespace Sysmon.Kibana.Tests;

/// <summary>SYSMON_KIBANA_CA_FILE: a certificate from the named CA is accepted, one from another CA or for another
/// host is not. Certificates are made here, as a private CA would make them.</summary>
public sealed class KibanaTrustTests
{
    private static X509Certificate2 Ca(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    private static X509Certificate2 Server(X509Certificate2 ca, string host)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        return request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30), [1, 2, 3, 4, 5, 6, 7, 8]);
    }

    [Fact]
    public void Only_a_chain_ending_in_the_named_ca_is_accepted_and_the_host_name_still_counts()
    {
        using var ca = Ca("Sysmon test CA");
        using var other = Ca("Some other CA");
        using var server = Server(ca, "kibana.test");
        KibanaTrust.Accepts(ca, server, SslPolicyErrors.RemoteCertificateChainErrors).Should().BeTrue();
        KibanaTrust.Accepts(other, server, SslPolicyErrors.RemoteCertificateChainErrors).Should().BeFalse();
        KibanaTrust.Accepts(ca, server, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch).Should().BeFalse();
        KibanaTrust.Accepts(other, server, SslPolicyErrors.None).Should().BeTrue("a certificate the system trusts needs no CA file");
    }

    [Fact]
    public void The_ca_file_is_read_as_pem_or_der_and_an_unreadable_one_is_named()
    {
        using var ca = Ca("Sysmon test CA");
        var dir = Directory.CreateTempSubdirectory("kibana-ca").FullName;
        var pem = Path.Combine(dir, "ca.pem");
        var der = Path.Combine(dir, "ca.crt");
        File.WriteAllText(pem, ca.ExportCertificatePem());
        File.WriteAllBytes(der, ca.Export(X509ContentType.Cert));
        KibanaTrust.LoadCa(pem).Thumbprint.Should().Be(ca.Thumbprint);
        KibanaTrust.LoadCa(der).Thumbprint.Should().Be(ca.Thumbprint);
        var missing = () => KibanaTrust.LoadCa(Path.Combine(dir, "nope.pem"));
        missing.Should().Throw<ArgumentException>().WithMessage("SYSMON_KIBANA_CA_FILE*nope.pem*not a readable certificate*");
        KibanaOptions.Parse("https://k:5601", null, v => v == KibanaOptions.CaFileVariable ? pem : null).CaFile.Should().Be(pem);
    }
}
