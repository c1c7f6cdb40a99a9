using System.Text;
using Sysmon.Ingest.Reading;

namespace Sysmon.Ingest.Json;

/// <summary>
/// Hands out one string instance for a short ASCII value seen again (channel, provider, host, user, image path,
/// "-", "true"...): a Sysmon log repeats most of its values, and each one read was a new string (about half of the
/// JSON reader's allocation). Direct-mapped and fixed in size: a value whose slot holds another one replaces it, so
/// values that never repeat (GUIDs, times) cost a lookup and nothing more, and memory does not grow with the input.
/// </summary>
internal sealed class Utf8ValueCache
{
    /// <summary>Longer values (most command lines) rarely repeat byte for byte and are simply allocated. 256 takes in
    /// Sysmon's Hashes value (~200 bytes with four algorithms), which comes back with every run of the same binary.</summary>
    public const int MaxLength = 256;

    private const int Slots = 4096; // a power of two
    private readonly string?[] _slots = new string?[Slots];

    /// <summary>The string for <paramref name="utf8"/> (at most <see cref="MaxLength"/> bytes, unescaped).</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        // Only ASCII: a cached string is compared with the bytes char for byte.
        if (utf8.Length > MaxLength || !Ascii.IsValid(utf8)) return Encoding.UTF8.GetString(utf8);
        ref var slot = ref _slots[ValueSlot.Of(utf8, Slots)];
        if (slot is { } cached && cached.Length == utf8.Length && Ascii.Equals(utf8, cached)) return cached;
        return slot = Encoding.ASCII.GetString(utf8);
    }
}
