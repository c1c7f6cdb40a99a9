using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Sysmon.Queries;

/// <summary>How scheduled hunt results are recorded, the same in every store: a row as a JSON object of its values
/// as text, its identity a hash of hunt and content (so a finding reported by an earlier run is not reported again),
/// and the run's parameters as text (times ISO-8601).</summary>
public static class HuntRows
{
    public static string RowJson(IReadOnlyList<string> columns, object?[] values)
    {
        var row = new Dictionary<string, string?>(columns.Count, StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++) row[columns[i]] = HuntValue.ToText(values[i]);
        return JsonSerializer.Serialize(row);
    }

    public static string RowId(string hunt, string rowJson) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(hunt + "\n" + rowJson)))[..32];

    public static string ParametersJson(IReadOnlyDictionary<string, object?> parameters) =>
        JsonSerializer.Serialize(parameters.ToDictionary(kv => kv.Key, kv => HuntValue.ToText(kv.Value), StringComparer.Ordinal));
}
