using System.Runtime.InteropServices;

namespace Sysmon.Stores.DuckDb;

/// <summary>
/// Makes DuckDB's own allocator hand freed memory back to the system within <see cref="DecayMilliseconds"/>. On
/// Linux DuckDB links jemalloc, which keeps freed pages for a second (its decay time) and only purges when it
/// allocates again: after a load of 123,000 events jemalloc held 388 MB resident with 2 MB in use, and the next load
/// stacked on top of it (bench/README.md). A decay of zero removed that but doubled the cost of DuckDB's insert:
/// every row group faulted in fresh pages (a quarter of ingest's CPU in the kernel). 10 ms keeps most of the reuse;
/// the memory it holds is bounded by the store's load memory limit (<see cref="DuckDbStore.LoadMemoryLimit"/>).
/// Builds without jemalloc (Windows, macOS) have no such symbol and are left as they are; so is a process whose
/// environment sets DUCKDB_JE_MALLOC_CONF.
/// </summary>
internal static unsafe partial class DuckDbAllocator
{
    private const string EnvironmentOverride = "DUCKDB_JE_MALLOC_CONF";
    private static int _done;

    /// <summary>jemalloc's dirty and muzzy decay times set here.</summary>
    public const long DecayMilliseconds = 10;

    /// <summary>True once the decay times were set in this process.</summary>
    public static bool Applied { get; private set; }

    public static void ReturnFreedMemoryPromptly()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1) return;
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(EnvironmentOverride) is not null) return;
        try
        {
            var decay = DecayMilliseconds;
            // The defaults for arenas made later, then every arena that exists (an arena not yet in use refuses).
            var ok = Control("arenas.dirty_decay_ms", &decay) == 0 & Control("arenas.muzzy_decay_ms", &decay) == 0;
            uint arenas = 0;
            nuint size = sizeof(uint);
            if (Mallctl("arenas.narenas", &arenas, &size, null, 0) == 0)
            {
                for (var i = 0u; i < arenas; i++)
                {
                    Control($"arena.{i}.dirty_decay_ms", &decay);
                    Control($"arena.{i}.muzzy_decay_ms", &decay);
                }
            }
            Applied = ok;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // a DuckDB build without jemalloc
        }
    }

    /// <summary>Bytes DuckDB's allocator has handed out, and bytes it holds resident (what it has not given back).</summary>
    public static (long Allocated, long Resident) Statistics()
    {
        ulong epoch = 1, allocated = 0, resident = 0;
        nuint size = sizeof(ulong);
        Mallctl("epoch", null, null, &epoch, sizeof(ulong)); // refreshes the figures below
        Mallctl("stats.allocated", &allocated, &size, null, 0);
        size = sizeof(ulong);
        Mallctl("stats.resident", &resident, &size, null, 0);
        return ((long)allocated, (long)resident);
    }

    private static int Control(string name, long* value) => Mallctl(name, null, null, value, sizeof(long));

    // jemalloc's control call, exported under DuckDB's prefix by the libduckdb that DuckDB.NET ships.
    [LibraryImport("duckdb", EntryPoint = "duckdb_je_mallctl", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Mallctl(string name, void* oldValue, nuint* oldLength, void* newValue, nuint newLength);
}
