using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Sysmon.Ingest.Reading;

namespace Sysmon.Ingest.Evtx;

/// <summary>Renders binary XML substitution values as Windows renders them in event XML.</summary>
internal static class BinXmlValue
{
    public const byte Null = 0x00, String = 0x01, AnsiString = 0x02, Int8 = 0x03, UInt8 = 0x04, Int16 = 0x05, UInt16 = 0x06,
        Int32 = 0x07, UInt32 = 0x08, Int64 = 0x09, UInt64 = 0x0a, Real32 = 0x0b, Real64 = 0x0c, Bool = 0x0d, Binary = 0x0e,
        Guid = 0x0f, SizeT = 0x10, FileTime = 0x11, SysTime = 0x12, Sid = 0x13, HexInt32 = 0x14, HexInt64 = 0x15,
        BinXml = 0x21, ArrayFlag = 0x80;

    private static readonly DateTime FileTimeEpoch = new(1601, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static string Render(byte type, ReadOnlySpan<byte> v)
    {
        if ((type & ArrayFlag) != 0) return RenderArray((byte)(type & ~ArrayFlag), v);
        switch (type)
        {
            case Null: return "";
            case String: return CachedUtf16(v);
            case AnsiString: return Encoding.Latin1.GetString(v).TrimEnd('\0');
            case Int8: return v.Length >= 1 ? ((sbyte)v[0]).ToString(CultureInfo.InvariantCulture) : "";
            case UInt8: return v.Length >= 1 ? v[0].ToString(CultureInfo.InvariantCulture) : "";
            case Int16: return v.Length >= 2 ? BinaryPrimitives.ReadInt16LittleEndian(v).ToString(CultureInfo.InvariantCulture) : Hex(v);
            case UInt16: return v.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(v).ToString(CultureInfo.InvariantCulture) : Hex(v);
            case Int32: return v.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(v).ToString(CultureInfo.InvariantCulture) : Hex(v);
            case UInt32: return v.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(v).ToString(CultureInfo.InvariantCulture) : Hex(v);
            case Int64: return v.Length >= 8 ? BinaryPrimitives.ReadInt64LittleEndian(v).ToString(CultureInfo.InvariantCulture) : Hex(v);
            case UInt64: return v.Length >= 8 ? BinaryPrimitives.ReadUInt64LittleEndian(v).ToString(CultureInfo.InvariantCulture) : Hex(v);
            case Real32: return v.Length >= 4 ? BinaryPrimitives.ReadSingleLittleEndian(v).ToString("R", CultureInfo.InvariantCulture) : Hex(v);
            case Real64: return v.Length >= 8 ? BinaryPrimitives.ReadDoubleLittleEndian(v).ToString("R", CultureInfo.InvariantCulture) : Hex(v);
            case Bool: return v.Length >= 4 ? (BinaryPrimitives.ReadUInt32LittleEndian(v) != 0 ? "true" : "false") : v.Length >= 1 ? (v[0] != 0 ? "true" : "false") : "";
            case Binary: return Hex(v);
            case Guid: return v.Length >= 16 ? FormatGuid(v[..16]) : Hex(v);
            case SizeT:
            case HexInt32:
            case HexInt64:
                return v.Length >= 8 ? "0x" + BinaryPrimitives.ReadUInt64LittleEndian(v).ToString("x", CultureInfo.InvariantCulture)
                    : v.Length >= 4 ? "0x" + BinaryPrimitives.ReadUInt32LittleEndian(v).ToString("x", CultureInfo.InvariantCulture) : Hex(v);
            case FileTime: return v.Length >= 8 ? FormatFileTime(BinaryPrimitives.ReadInt64LittleEndian(v)) : Hex(v);
            case SysTime: return v.Length >= 16 ? FormatSystemTime(v) : Hex(v);
            case Sid: return FormatSid(v);
            default: return Hex(v);
        }
    }

    public static string Utf16(ReadOnlySpan<byte> v)
    {
        var text = WithoutTerminator(v);
        return text.IsEmpty ? "" : Encoding.Unicode.GetString(text);
    }

    // A string value, the same instance as the last time these bytes were seen on this thread (most repeat).
    private static string CachedUtf16(ReadOnlySpan<byte> v)
    {
        var text = WithoutTerminator(v);
        return text.IsEmpty ? "" : Utf16ValueCache.Current.Get(text);
    }

    // Trailing NULs (strings usually carry their terminator) are cut from the bytes, not from a first copy.
    private static ReadOnlySpan<byte> WithoutTerminator(ReadOnlySpan<byte> v)
    {
        var length = v.Length & ~1;
        while (length >= 2 && v[length - 2] == 0 && v[length - 1] == 0) length -= 2;
        return v[..length];
    }

    /// <summary>FILETIME as ISO-8601 UTC with 100 ns precision, as Windows prints SystemTime.</summary>
    public static string FormatFileTime(long ticks)
    {
        if (ticks < 0 || ticks > DateTime.MaxValue.Ticks - FileTimeEpoch.Ticks) return "0x" + ticks.ToString("x", CultureInfo.InvariantCulture);
        return FileTimeEpoch.AddTicks(ticks).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
    }

    private static string FormatSystemTime(ReadOnlySpan<byte> v)
    {
        Span<int> u = stackalloc int[8];
        for (var i = 0; i < 8; i++) u[i] = BinaryPrimitives.ReadUInt16LittleEndian(v[(2 * i)..]);
        try
        {
            var t = new DateTime(u[0], u[1], u[3], u[4], u[5], u[6], u[7], DateTimeKind.Utc);
            return t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        }
        catch (ArgumentOutOfRangeException)
        {
            return Hex(v);
        }
    }

    // {GUID} in capitals, as Windows shows one, formatted on the stack: a process' GUID comes back with each of its
    // events (every DLL it loads), so it is one string instead of three new ones per value.
    private static string FormatGuid(ReadOnlySpan<byte> v)
    {
        Span<char> text = stackalloc char[38];
        text[0] = '{';
        new System.Guid(v).TryFormat(text[1..], out _, "D");
        text[37] = '}';
        Ascii.ToUpperInPlace(text, out _);
        return Utf16ValueCache.Current.Get(text);
    }

    public static string FormatSid(ReadOnlySpan<byte> v)
    {
        if (v.Length < 8) return Hex(v);
        var count = v[1];
        if (v.Length < 8 + 4 * count) return Hex(v);
        ulong authority = 0;
        for (var i = 2; i < 8; i++) authority = (authority << 8) | v[i];
        // "S-", the revision, "-", the authority (up to 15 digits), then "-" and up to 10 digits per sub-authority
        // (Windows allows 15): formatted on the stack, one string per SID seen.
        Span<char> text = count <= 15 ? stackalloc char[2 + 3 + 1 + 20 + 15 * 11] : new char[2 + 3 + 1 + 20 + count * 11];
        "S-".CopyTo(text);
        var n = 2;
        v[0].TryFormat(text[n..], out var w, default, CultureInfo.InvariantCulture);
        n += w;
        text[n++] = '-';
        authority.TryFormat(text[n..], out w, default, CultureInfo.InvariantCulture);
        n += w;
        for (var i = 0; i < count; i++)
        {
            text[n++] = '-';
            BinaryPrimitives.ReadUInt32LittleEndian(v[(8 + 4 * i)..]).TryFormat(text[n..], out w, default, CultureInfo.InvariantCulture);
            n += w;
        }
        return Utf16ValueCache.Current.Get(text[..n]);
    }

    private static string RenderArray(byte elementType, ReadOnlySpan<byte> v)
    {
        if (elementType == String)
        {
            return string.Join(", ", Utf16(v).Split('\0'));
        }
        if (elementType == AnsiString) return string.Join(", ", Encoding.Latin1.GetString(v).TrimEnd('\0').Split('\0'));
        var size = elementType switch
        {
            Int8 or UInt8 => 1,
            Int16 or UInt16 => 2,
            Int32 or UInt32 or Real32 or Bool or HexInt32 => 4,
            Int64 or UInt64 or Real64 or FileTime or HexInt64 => 8,
            Guid or SysTime => 16,
            SizeT => v.Length % 8 == 0 ? 8 : 4,
            _ => 0,
        };
        if (size == 0) return Hex(v);
        var parts = new List<string>(v.Length / size);
        for (var o = 0; o + size <= v.Length; o += size) parts.Add(Render(elementType, v.Slice(o, size)));
        return string.Join(", ", parts);
    }

    private static string Hex(ReadOnlySpan<byte> v) => System.Convert.ToHexString(v);
}
