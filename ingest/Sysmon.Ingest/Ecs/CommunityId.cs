using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace Sysmon.Ingest.Ecs;

/// <summary>Community ID flow hash v1 (corelight/community-id-spec), as Elastic computes network.community_id.</summary>
public static class CommunityId
{
    public static string? Compute(IPAddress source, int sourcePort, IPAddress destination, int destinationPort,
        string transport, ushort seed = 0)
    {
        byte protocol = transport switch { "tcp" => 6, "udp" => 17, _ => 0 };
        if (protocol == 0 || source.AddressFamily != destination.AddressFamily) return null;
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        if (!source.TryWriteBytes(a, out var lenA) || !destination.TryWriteBytes(b, out var lenB)) return null;
        a = a[..lenA];
        b = b[..lenB];
        var cmp = a.SequenceCompareTo(b);
        var swap = cmp > 0 || (cmp == 0 && sourcePort > destinationPort);
        Span<byte> buffer = stackalloc byte[2 + 16 + 16 + 1 + 1 + 2 + 2];
        var pos = 0;
        BinaryPrimitives.WriteUInt16BigEndian(buffer, seed);
        pos += 2;
        (swap ? b : a).CopyTo(buffer[pos..]);
        pos += lenA;
        (swap ? a : b).CopyTo(buffer[pos..]);
        pos += lenB;
        buffer[pos++] = protocol;
        buffer[pos++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[pos..], (ushort)(swap ? destinationPort : sourcePort));
        pos += 2;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[pos..], (ushort)(swap ? sourcePort : destinationPort));
        pos += 2;
        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // SHA-1 is what the Community ID specification defines; not used for security.
        SHA1.HashData(buffer[..pos], hash);
#pragma warning restore CA5350
        return "1:" + Convert.ToBase64String(hash);
    }
}
