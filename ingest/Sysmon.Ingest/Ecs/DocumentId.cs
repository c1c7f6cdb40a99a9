using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Sysmon.Ingest.Events;

namespace Sysmon.Ingest.Ecs;

/// <summary>
/// The deterministic document id (architecture.md, "Document id"): from the event's own identity (host, channel,
/// record id) when it has one, otherwise from its content. Ingesting the same record twice, from the same or
/// from another export of the same log, gives the same id. 128 bits, base64url (22 characters).
/// Identity ids use MurmurHash3 (fast; the inputs are not chosen by an attacker); content ids use SHA-256,
/// because event content is, and a crafted collision must not be able to hide an event as a "duplicate".
/// </summary>
public static class DocumentId
{
    public static string For(SysmonEvent e, string? host)
    {
        if (e.RecordId is { } record && !string.IsNullOrEmpty(host))
        {
            var text = string.Concat("v1|record|", host.ToLowerInvariant(), "|", e.Channel ?? Names.SysmonChannel, "|",
                record.ToString(CultureInfo.InvariantCulture));
            return Encode(text, content: false);
        }
        var sb = new StringBuilder(512);
        sb.Append("v1|content|").Append(host?.ToLowerInvariant()).Append('|').Append(e.EventId.ToString(CultureInfo.InvariantCulture));
        foreach (var kv in e.Data) sb.Append('|').Append(kv.Key).Append('=').Append(kv.Value);
        return Encode(sb.ToString(), content: true);
    }

    private static string Encode(string text, bool content)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var bytes = rented.AsSpan(0, Encoding.UTF8.GetBytes(text, rented));
            Span<byte> hash = stackalloc byte[32];
            if (content) SHA256.HashData(bytes, hash);
            else Murmur3.Hash128(bytes, hash);
            return Base64Url.EncodeToString(hash[..16]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
