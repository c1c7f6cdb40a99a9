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
        // The text hashed is built in a stack (or pooled) buffer: as strings it cost ~7% of all allocation when
        // converting (a lowered host, a concatenation, and for content ids a StringBuilder of the whole event).
        var text = new IdText(stackalloc char[256]);
        try
        {
            if (e.RecordId is { } record && !string.IsNullOrEmpty(host))
            {
                text.Append("v1|record|");
                text.AppendLower(host);
                text.Append('|');
                text.Append(e.Channel ?? Names.SysmonChannel);
                text.Append('|');
                text.Append(record);
                return Encode(text.Text, content: false);
            }
            text.Append("v1|content|");
            text.AppendLower(host);
            text.Append('|');
            text.Append(e.EventId);
            foreach (var kv in e.Data)
            {
                text.Append('|');
                text.Append(kv.Key);
                text.Append('=');
                text.Append(kv.Value);
            }
            return Encode(text.Text, content: true);
        }
        finally
        {
            text.Dispose();
        }
    }

    private static string Encode(ReadOnlySpan<char> text, bool content)
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

    // Characters appended into a buffer that moves to a pooled array when it outgrows the one it started with.
    private ref struct IdText(Span<char> initial)
    {
        private Span<char> _chars = initial;
        private char[]? _rented;
        private int _length;

        public readonly ReadOnlySpan<char> Text => _chars[.._length];

        public void Append(char c)
        {
            Ensure(1);
            _chars[_length++] = c;
        }

        public void Append(ReadOnlySpan<char> s)
        {
            Ensure(s.Length);
            s.CopyTo(_chars[_length..]);
            _length += s.Length;
        }

        // Invariant lowering maps char for char: the same text as string.ToLowerInvariant.
        public void AppendLower(ReadOnlySpan<char> s)
        {
            Ensure(s.Length);
            _length += s.ToLowerInvariant(_chars[_length..]);
        }

        public void Append(long n)
        {
            Ensure(20);
            n.TryFormat(_chars[_length..], out var written, default, CultureInfo.InvariantCulture);
            _length += written;
        }

        private void Ensure(int more)
        {
            if (_length + more <= _chars.Length) return;
            var bigger = ArrayPool<char>.Shared.Rent(Math.Max(_chars.Length * 2, _length + more));
            _chars[.._length].CopyTo(bigger);
            if (_rented is not null) ArrayPool<char>.Shared.Return(_rented);
            _rented = bigger;
            _chars = bigger;
        }

        public void Dispose()
        {
            if (_rented is not null) ArrayPool<char>.Shared.Return(_rented);
            _rented = null;
        }
    }
}
