using System.Text;

namespace Sysmon.Ingest.Json;

/// <summary>
/// The member names a file's JSON objects have shown so far, as a tree of dotted paths, with each name's likely
/// successor: records of one shape list their members in the same order, so the next member is first compared with
/// the one that followed the previous member last time (a byte compare), and only a miss hashes the name and looks
/// its path up. Looking up every name and path by hash was most of <see cref="JsonFields"/>' own time.
/// </summary>
internal sealed class JsonPathTree
{
    /// <summary>A member name under its parent: the name, its dotted path from the root, and what was seen after it.</summary>
    public sealed class Node(string name, string path, byte[] utf8)
    {
        public string Name { get; } = name;

        public string Path { get; } = path;

        internal byte[] Utf8 { get; } = utf8;

        // The member that came first in this object last time, and the one that came after this member.
        internal Node? First;
        internal Node? Next;
    }

    // Bounded like the name cache: past it, new paths are built each time and not kept.
    private const int MaxNodes = 4096;

    private readonly Utf8NameCache _names = new();
    // Keyed by identity: the names come from the name cache, one instance per text.
    private readonly Dictionary<(Node Parent, string Name), Node> _nodes = new(PairByIdentity<Node, string>.Instance);

    public Node Root { get; } = new("", "", []);

    /// <summary>The member named <paramref name="utf8"/> (unescaped) of an object at <paramref name="parent"/>, read
    /// after <paramref name="previous"/> (null for the object's first member).</summary>
    public Node Child(Node parent, Node? previous, ReadOnlySpan<byte> utf8)
    {
        var predicted = previous is null ? parent.First : previous.Next;
        if (predicted is not null && utf8.SequenceEqual(predicted.Utf8)) return predicted;
        var name = _names.Get(utf8);
        if (!_nodes.TryGetValue((parent, name), out var node))
        {
            node = new Node(name, parent.Path.Length == 0 ? name : string.Concat(parent.Path, ".", name), utf8.ToArray());
            if (_nodes.Count < MaxNodes) _nodes[(parent, name)] = node;
        }
        if (previous is null) parent.First = node;
        else previous.Next = node;
        return node;
    }

    /// <summary><see cref="Child(Node, Node?, ReadOnlySpan{byte})"/> for a name given as text (escaped in the JSON).</summary>
    public Node Child(Node parent, Node? previous, string name) => Child(parent, previous, Encoding.UTF8.GetBytes(name));
}
