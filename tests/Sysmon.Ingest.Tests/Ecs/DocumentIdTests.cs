using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Sysmon.Ingest.Events;
using Xunit;

namespace Sysmon.Ingest.Tests.Ecs;

/// <summary>Document ids are what makes a second ingest store nothing twice: the id of an event must never change
/// between versions. Here against the definition written out with plain strings.</summary>
public sealed class DocumentIdTests
{
    [Theory]
    [InlineData("WKS-0001.corp.example", 4711L)]
    [InlineData("ÄRZTE-PC.İstanbul", 1L)] // non-ASCII and the Turkish capital I: invariant lowering, char for char
    [InlineData("h", long.MaxValue)]
    public void An_identity_id_hashes_host_channel_and_record(string host, long record)
    {
        var e = new SysmonEvent { EventId = 1, RecordId = record, Channel = "Microsoft-Windows-Sysmon/Operational" };
        var text = "v1|record|" + host.ToLowerInvariant() + "|Microsoft-Windows-Sysmon/Operational|" + record.ToString(CultureInfo.InvariantCulture);
        Span<byte> hash = stackalloc byte[16];
        Murmur3.Hash128(Encoding.UTF8.GetBytes(text), hash);
        DocumentId.For(e, host).Should().Be(Convert.ToBase64String(hash).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
    }

    [Theory]
    [InlineData(null, 10)]
    [InlineData("WKS-0001", 3)]
    [InlineData("WKS-0001", 400)] // longer than the stack buffer
    public void A_content_id_hashes_host_event_id_and_every_data_pair(string? host, int valueLength)
    {
        var e = new SysmonEvent { EventId = 3 };
        e.Data.Add(new("Image", @"C:\Windows\System32\" + new string('x', valueLength)));
        e.Data.Add(new("DestinationIp", "10.0.0.1"));
        e.Data.Add(new("User", "NT AUTHORITY\\SYSTEM ÄÖÜ"));
        var text = new StringBuilder("v1|content|").Append(host?.ToLowerInvariant()).Append("|3");
        foreach (var kv in e.Data) text.Append('|').Append(kv.Key).Append('=').Append(kv.Value);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        DocumentId.For(e, host).Should().Be(Convert.ToBase64String(hash, 0, 16).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
    }
}
