using System.Buffers.Binary;

namespace Sysmon.Enrich.Indicators;

/// <summary>
/// Keys of one length (a 4-byte IPv4 address, a 32-byte SHA-256) mapped to small integers, packed: the keys side by
/// side in one array, an open-addressing index over them. A million SHA-256 hashes take ~44 MB here against ~300 MB as
/// a dictionary of hex strings to objects. A key may be added more than once (one hash in two feeds); a lookup then
/// yields every value, in the order added. Build with <see cref="Add"/>, then <see cref="Seal"/> once, then look up
/// from any number of threads.
/// </summary>
internal sealed class FixedKeyTable(int keyLength)
{
    private byte[] _keys = [];
    private int[] _values = [];
    private int[] _slots = []; // entry + 1; 0 is an empty slot
    private int _mask;

    public int KeyLength { get; } = keyLength;

    public int Count { get; private set; }

    public void Add(ReadOnlySpan<byte> key, int value)
    {
        if (_slots.Length > 0) throw new InvalidOperationException("the table is sealed");
        if (Count == _values.Length)
        {
            var capacity = Math.Max(64, Count * 2);
            Array.Resize(ref _keys, capacity * KeyLength);
            Array.Resize(ref _values, capacity);
        }
        key.CopyTo(_keys.AsSpan(Count * KeyLength, KeyLength));
        _values[Count++] = value;
    }

    /// <summary>Trims the arrays to the keys added and builds the index (at most half full, so probes stay short).</summary>
    public void Seal()
    {
        if (Count == 0) return;
        Array.Resize(ref _keys, Count * KeyLength);
        Array.Resize(ref _values, Count);
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(8, Count * 2));
        _slots = new int[size];
        _mask = size - 1;
        for (var entry = 0; entry < Count; entry++)
        {
            var slot = Hash(_keys.AsSpan(entry * KeyLength, KeyLength)) & _mask;
            while (_slots[slot] != 0) slot = (slot + 1) & _mask;
            _slots[slot] = entry + 1;
        }
    }

    /// <summary>The value of the next entry whose key is <paramref name="key"/>, or -1 when there is none left. Start
    /// with <paramref name="position"/> at -1 and pass it back unchanged to find the next (no allocation per lookup).</summary>
    public int Next(ReadOnlySpan<byte> key, ref int position)
    {
        if (_slots.Length == 0 || key.Length != KeyLength) return -1;
        var slot = position < 0 ? Hash(key) & _mask : position;
        int entry;
        while ((entry = _slots[slot]) != 0)
        {
            entry--;
            slot = (slot + 1) & _mask;
            if (_keys.AsSpan(entry * KeyLength, KeyLength).SequenceEqual(key))
            {
                position = slot;
                return _values[entry];
            }
        }
        position = slot;
        return -1;
    }

    // Addresses are far from uniform (a feed's IPs share their first bytes): every byte is mixed in, 8 or 4 at a time.
    private static int Hash(ReadOnlySpan<byte> key)
    {
        ulong h = (ulong)key.Length;
        while (key.Length >= 8)
        {
            h = Mix(h ^ BinaryPrimitives.ReadUInt64LittleEndian(key));
            key = key[8..];
        }
        if (key.Length >= 4)
        {
            h = Mix(h ^ BinaryPrimitives.ReadUInt32LittleEndian(key));
            key = key[4..];
        }
        foreach (var b in key) h = Mix(h ^ b);
        return (int)(h >> 33);
    }

    private static ulong Mix(ulong h)
    {
        h *= 0x9E3779B97F4A7C15UL;
        return h ^ (h >> 29);
    }
}
