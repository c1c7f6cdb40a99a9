using System.Net;
using System.Net.Sockets;

namespace Sysmon.Enrich.Indicators;

/// <summary>
/// A binary trie over address bits (IPv4 mapped into IPv6 space): insert CIDR blocks, then find every block
/// containing an address in O(prefix length) steps, whatever the number of blocks.
/// </summary>
public sealed class PrefixTrie<T>
{
    private sealed class Node
    {
        public Node? Zero;
        public Node? One;
        public List<T>? Values;
    }

    private readonly Node _root = new();

    public int Count { get; private set; }

    public void Add(IPNetwork network, T value)
    {
        var bytes = Bytes(network.BaseAddress);
        var prefix = network.PrefixLength + (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 96 : 0);
        var node = _root;
        for (var bit = 0; bit < prefix; bit++)
        {
            var one = (bytes[bit >> 3] & (0x80 >> (bit & 7))) != 0;
            node = one ? node.One ??= new Node() : node.Zero ??= new Node();
        }
        (node.Values ??= []).Add(value);
        Count++;
    }

    /// <summary>Every value whose block contains <paramref name="address"/>, shortest prefix first.</summary>
    public void FindContaining(IPAddress address, List<T> into) =>
        Walk(address, into, static (values, found) => { found.AddRange(values); return false; });

    /// <summary>True when some block contains <paramref name="address"/> (the allow-list's question, asked per IP at
    /// ingest: no list to fill).</summary>
    public bool AnyContaining(IPAddress address) => Walk(address, 0, static (_, _) => true);

    // Down the address' bits from the root, visiting the values of every block on the way (shortest prefix first)
    // until the visitor says stop; true if it did. A static visitor with state allocates nothing per lookup.
    private bool Walk<TState>(IPAddress address, TState state, Func<List<T>, TState, bool> visit)
    {
        Span<byte> bytes = stackalloc byte[16];
        Write(address, bytes);
        var node = _root;
        for (var bit = 0; node is not null; bit++)
        {
            if (node.Values is { } values && visit(values, state)) return true;
            if (bit == 128) break;
            node = (bytes[bit >> 3] & (0x80 >> (bit & 7))) != 0 ? node.One : node.Zero;
        }
        return false;
    }

    private static byte[] Bytes(IPAddress address)
    {
        var b = new byte[16];
        Write(address, b);
        return b;
    }

    // IPv4 as ::ffff:a.b.c.d, written in place (MapToIPv6 made a new address object per lookup).
    private static void Write(IPAddress address, Span<byte> destination)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(destination, out _);
            return;
        }
        destination[..10].Clear();
        destination[10] = 0xff;
        destination[11] = 0xff;
        address.TryWriteBytes(destination[12..], out _);
    }
}
