using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Sysmon.Ingest.Events;

namespace Sysmon.Ingest.Ecs;

/// <summary>
/// The deterministic document id (architecture.md, "Document id"): from the event's own identity (host, channel,
/// record id) when it has one, otherwise from a hash of its content. Ingesting the same record twice, from
/// the same or from another export of the same log, gives the same id. 128 bits of SHA-256, base64url (22 chars).
/// </summary>
public static class DocumentId
{
    public static string For(SysmonEvent e, string? host)
    {
        var sb = new StringBuilder(256);
        if (e.RecordId is { } record && !string.IsNullOrEmpty(host))
        {
            sb.Append("v1|record|").Append(host.ToLowerInvariant()).Append('|')
              .Append(e.Channel ?? Names.SysmonChannel).Append('|')
              .Append(record.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            // No record identity (rendered text, stripped JSON): the event's content is its identity.
            sb.Append("v1|content|").Append(host?.ToLowerInvariant()).Append('|')
              .Append(e.EventId.ToString(CultureInfo.InvariantCulture));
            foreach (var kv in e.Data)
            {
                sb.Append('|').Append(kv.Key).Append('=').Append(kv.Value);
            }
        }
        return Hash(sb.ToString());
    }

    // One reusable SHA-256 context per thread: the one-shot API sets up a new native context on every call,
    // which cost more than everything else the mapper does.
    [ThreadStatic] private static IncrementalHash? _sha256;

    private static string Hash(string text)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var len = Encoding.UTF8.GetBytes(text, rented);
            var sha = _sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            sha.AppendData(rented, 0, len);
            Span<byte> hash = stackalloc byte[32];
            sha.GetHashAndReset(hash);
            return Base64Url.EncodeToString(hash[..16]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
