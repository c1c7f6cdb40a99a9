using Xunit;

namespace Sysmon.Enrich.Tests;

/// <summary>
/// The classes with tests that measure what a structure holds by <c>GC.GetTotalMemory</c>, which counts the whole
/// process: run beside the other classes, their allocations were counted too (a million packed hashes "held" 324 MB
/// in one run of three). These run alone, after the rest.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeldMemoryCollection
{
    public const string Name = "held memory";
}
