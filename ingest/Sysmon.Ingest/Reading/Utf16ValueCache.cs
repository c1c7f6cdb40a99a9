using System.Runtime.InteropServices;
using System.Text;

namespace Sysmon.Ingest.Reading;

/// <summary>
/// Hands out one string instance for a short value seen again: EVTX string values (image and DLL paths, signatures,
/// company names, users, "-"), a process' GUID, SIDs, and the mapper's hash digests. An image-load log repeats most of
/// its values, and each one decoded was a new string, the largest share of what EVTX ingest allocated. Direct-mapped
/// and fixed in size, like the JSON reader's <c>Utf8ValueCache</c>: a value whose slot holds another replaces it, so
/// values that never repeat (times, record ids) cost a lookup. One per thread, because chunks are decoded and events
/// mapped on several threads at once; each holds at most 4,096 strings of up to 256 chars (2 MB), whatever the input.
/// </summary>
internal sealed class Utf16ValueCache
{
    /// <summary>Longer values (most command lines) rarely repeat exactly and are simply decoded. 256 takes in Sysmon's
    /// Hashes value (~200 chars with four algorithms), which comes back with every load of the same DLL.</summary>
    public const int MaxChars = 256;

    private const int Slots = 4096; // a power of two

    [ThreadStatic] private static Utf16ValueCache? t_current;

    private readonly string?[] _slots = new string?[Slots];

    /// <summary>This thread's cache.</summary>
    public static Utf16ValueCache Current => t_current ??= new();

    /// <summary>The string for UTF-16LE <paramref name="bytes"/> (an even count), as
    /// <see cref="Encoding.Unicode"/> decodes them.</summary>
    public string Get(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxChars * 2 || !BitConverter.IsLittleEndian) return Encoding.Unicode.GetString(bytes);
        ref var slot = ref _slots[ValueSlot.Of(bytes, Slots)];
        // A cached string equals the decoding of bytes whose chars it equals: a lone surrogate, which the decoder
        // replaces, makes the chars differ from every string the decoder returned, so such a value is never a hit.
        if (slot is { } cached && MemoryMarshal.Cast<byte, char>(bytes).SequenceEqual(cached)) return cached;
        return slot = Encoding.Unicode.GetString(bytes);
    }

    /// <summary>The string of <paramref name="chars"/>, formatted by the caller (a GUID, a SID) on the stack.</summary>
    public string Get(ReadOnlySpan<char> chars)
    {
        if (chars.Length > MaxChars) return new string(chars);
        ref var slot = ref _slots[ValueSlot.Of(MemoryMarshal.AsBytes(chars), Slots)];
        if (slot is { } cached && chars.SequenceEqual(cached)) return cached;
        return slot = new string(chars);
    }
}
