using System.Globalization;

namespace Sysmon.Ingest.Ecs;

/// <summary>registry.* from TargetObject and Details (events 12–14), as Elastic derives them (sysmon-ecs.md §3.8).</summary>
public static class RegistryFields
{
    private static readonly Dictionary<string, string> Hives = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HKLM"] = "HKLM", ["HKEY_LOCAL_MACHINE"] = "HKLM",
        ["HKU"] = "HKU", ["HKEY_USERS"] = "HKU",
        ["HKCU"] = "HKCU", ["HKEY_CURRENT_USER"] = "HKCU",
        ["HKCR"] = "HKCR", ["HKEY_CLASSES_ROOT"] = "HKCR",
        ["HKCC"] = "HKCC", ["HKEY_CURRENT_CONFIG"] = "HKCC",
        ["HKPD"] = "HKPD", ["HKEY_PERFORMANCE_DATA"] = "HKPD",
        ["HKDD"] = "HKDD", ["HKEY_DYN_DATA"] = "HKDD",
    };

    public static void MapPath(EcsDocument doc, string targetObject)
    {
        var first = targetObject.IndexOf('\\');
        var head = first < 0 ? targetObject : targetObject[..first];
        if (Hives.TryGetValue(head, out var hive))
        {
            doc.Set("registry.hive", hive);
            if (first >= 0 && first + 1 < targetObject.Length) doc.Set("registry.key", targetObject[(first + 1)..]);
        }
        var last = targetObject.LastIndexOf('\\');
        var value = last < 0 ? targetObject : targetObject[(last + 1)..];
        if (value.Length > 0) doc.Set("registry.value", value);
    }

    public static void MapDetails(EcsDocument doc, string details)
    {
        string type;
        string data;
        if (TryHexInside(details, "DWORD (0x", out var dword))
        {
            type = "SZ_DWORD";
            data = dword.ToString(CultureInfo.InvariantCulture);
        }
        else if (TryQword(details, out var qword))
        {
            type = "SZ_QWORD";
            data = qword.ToString(CultureInfo.InvariantCulture);
        }
        else if (details == "Binary Data")
        {
            type = "REG_BINARY";
            data = details;
        }
        else
        {
            type = "REG_SZ";
            data = details;
        }
        doc.Set("registry.data.strings", EcsValue.Of(new List<string>(1) { data }));
        doc.Set("registry.data.type", type);
    }

    private static bool TryHexInside(string s, string prefix, out ulong value)
    {
        value = 0;
        if (!s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || !s.EndsWith(')')) return false;
        var hex = s.AsSpan(prefix.Length, s.Length - prefix.Length - 1);
        return ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    // "QWORD (0xHHHHHHHH-0xLLLLLLLL)": the correct value is high << 32 | low (Elastic's shift by 8 is a bug that
    // only shows when the high part is non-zero).
    private static bool TryQword(string s, out ulong value)
    {
        value = 0;
        const string prefix = "QWORD (0x";
        if (!s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || !s.EndsWith(')')) return false;
        var inner = s.AsSpan(prefix.Length, s.Length - prefix.Length - 1);
        var dash = inner.IndexOf("-0x", StringComparison.OrdinalIgnoreCase);
        if (dash < 0) return false;
        if (!ulong.TryParse(inner[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hi) ||
            !ulong.TryParse(inner[(dash + 3)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var lo))
        {
            return false;
        }
        value = (hi << 32) | lo;
        return true;
    }
}
