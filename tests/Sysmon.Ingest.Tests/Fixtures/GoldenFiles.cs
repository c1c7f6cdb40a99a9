using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sysmon.Ingest.Tests.Fixtures;

/// <summary>
/// Checked-in expected outputs (tests/Sysmon.Ingest.Tests/Golden). Set SYSMON_UPDATE_GOLDEN=1 to rewrite them
/// from the current output, then review the diff by hand before committing: a golden file is a claim.
/// </summary>
public static class GoldenFiles
{
    private static readonly JsonSerializerOptions Pretty = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Directory() => Here();

    // The caller-file path is this file's own (resolved at compile time), wherever Directory() is called from.
    private static string Here([CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(here))!, "Golden");

    public static JsonObject Load(string name, JsonObject? actual = null)
    {
        var path = Path.Combine(Directory(), name);
        if (actual is not null && Environment.GetEnvironmentVariable("SYSMON_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual.ToJsonString(Pretty) + "\n");
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"golden file {path} is missing (run with SYSMON_UPDATE_GOLDEN=1 once)");
        return JsonNode.Parse(File.ReadAllText(path))!.AsObject();
    }

    public static string Show(JsonNode node) => node.ToJsonString(Pretty);
}
