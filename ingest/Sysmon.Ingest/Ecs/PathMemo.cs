using System.Runtime.CompilerServices;

namespace Sysmon.Ingest.Ecs;

/// <summary>
/// Remembers a value per field path by the path string's identity, in front of a dictionary keyed by its content.
/// A document's paths are the mapper's literals and the reader's cached names, the same few hundred string objects
/// in every event, and writing a load line looks each of them up several times (rank, column, JSON segments):
/// hashing the object's identity is a few nanoseconds where hashing its 15-30 characters is several times that.
/// A path seen as another object (built at run time) only misses here and takes the dictionary's way.
/// </summary>
/// <remarks>Safe to share between threads: an entry is one immutable object, written and read whole.</remarks>
public sealed class PathMemo<T>
{
    private const int Size = 2048; // a power of two; a few hundred paths in use, so collisions are rare
    private readonly Entry?[] _entries = new Entry?[Size];

    private sealed record Entry(string Path, T Value);

    // Slots looked at per path, from its hash on: with one, the few paths whose slot another path had taken first
    // missed at every lookup (a fleet event's winlog.process.thread.id, every time).
    private const int Probes = 4;

    public bool TryGet(string path, out T value)
    {
        var start = RuntimeHelpers.GetHashCode(path);
        for (var i = 0; i < Probes; i++)
        {
            var entry = _entries[(start + i) & (Size - 1)];
            if (entry is null) break;
            if (ReferenceEquals(entry.Path, path))
            {
                value = entry.Value;
                return true;
            }
        }
        value = default!;
        return false;
    }

    /// <summary>Remembers <paramref name="value"/> for this path object in the first free slot of its few. A path in a
    /// slot keeps it: two hot paths taking turns would otherwise allocate an entry at every lookup, and this way at
    /// most <see cref="Size"/> entries are ever made.</summary>
    public void Set(string path, T value)
    {
        var start = RuntimeHelpers.GetHashCode(path);
        for (var i = 0; i < Probes; i++)
        {
            ref var slot = ref _entries[(start + i) & (Size - 1)];
            if (slot is null)
            {
                slot = new Entry(path, value);
                return;
            }
            if (ReferenceEquals(slot.Path, path)) return;
        }
    }
}
