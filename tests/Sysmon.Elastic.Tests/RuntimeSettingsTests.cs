using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>The runtime settings the executable is measured with (bench/README.md) are the ones it ships with: they
/// live in sysmon-elastic.runtimeconfig.json, which an edit of the project file can drop without any other test
/// noticing.</summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void The_executable_runs_with_a_compacting_workstation_gc()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "sysmon-elastic.runtimeconfig.json")))!;
        var properties = config["runtimeOptions"]!["configProperties"]!;
        properties["System.GC.ConserveMemory"]!.GetValue<int>().Should().Be(7, "without it a 1M ingest with a 100k-indicator feed peaked at 395-400 MB instead of 356-366");
        properties["System.GC.Server"]!.GetValue<bool>().Should().BeFalse("server GC takes a heap per core: more memory, for no gain measured here");
        properties["System.GC.Concurrent"]!.GetValue<bool>().Should().BeTrue();
    }
}
