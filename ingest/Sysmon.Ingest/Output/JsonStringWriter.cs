using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Sysmon.Ingest.Output;

/// <summary>
/// Writes JSON string values fast. Utf8JsonWriter escapes '\' char by char on a slow path, and Windows paths
/// are full of backslashes; here runs of plain ASCII are copied in bulk and only '"', '\' and control characters
/// are escaped. Non-ASCII text is written literally as UTF-8 (lone surrogates become U+FFFD).
/// </summary>
internal static class JsonStringWriter
{
    // Characters that end a run of bytes that can be copied as they are.
    private static readonly SearchValues<char> Special = SearchValues.Create(
        Enumerable.Range(0, 0x20).Select(i => (char)i).Concat(['"', '\\']).Concat(Enumerable.Range(0x80, 0xFFFF - 0x80 + 1).Select(i => (char)i)).ToArray());

    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    public static void WriteValue(Utf8JsonWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }
        var max = value.Length * 6 + 2;
        byte[]? rented = null;
        var buffer = max <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var n = Encode(value, buffer);
            writer.WriteRawValue(buffer[..n], skipInputValidation: true);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static int Encode(ReadOnlySpan<char> s, Span<byte> dst)
    {
        var o = 0;
        dst[o++] = (byte)'"';
        while (!s.IsEmpty)
        {
            var run = s.IndexOfAny(Special);
            if (run < 0) run = s.Length;
            if (run > 0)
            {
                o += Encoding.ASCII.GetBytes(s[..run], dst[o..]);
                s = s[run..];
                continue;
            }
            var c = s[0];
            if (c >= 0x80)
            {
                // A run of non-ASCII text (keeps surrogate pairs together).
                var end = 1;
                while (end < s.Length && s[end] >= 0x80) end++;
                o += Encoding.UTF8.GetBytes(s[..end], dst[o..]);
                s = s[end..];
                continue;
            }
            dst[o++] = (byte)'\\';
            switch (c)
            {
                case '"': dst[o++] = (byte)'"'; break;
                case '\\': dst[o++] = (byte)'\\'; break;
                case '\n': dst[o++] = (byte)'n'; break;
                case '\r': dst[o++] = (byte)'r'; break;
                case '\t': dst[o++] = (byte)'t'; break;
                case '\b': dst[o++] = (byte)'b'; break;
                case '\f': dst[o++] = (byte)'f'; break;
                default:
                    dst[o++] = (byte)'u';
                    dst[o++] = (byte)'0';
                    dst[o++] = (byte)'0';
                    dst[o++] = Hex[c >> 4];
                    dst[o++] = Hex[c & 0xF];
                    break;
            }
            s = s[1..];
        }
        dst[o++] = (byte)'"';
        return o;
    }
}
