namespace Sysmon.Ingest.Ecs;

/// <summary>Parses Sysmon's <c>Hashes</c> value (<c>SHA1=..,MD5=..,SHA256=..,IMPHASH=..</c>) into lower-case pairs.</summary>
public static class HashesField
{
    /// <summary>Calls <paramref name="onHash"/> with (algorithm, hex) for every usable item, both lower-case.
    /// Items with an empty value or a value of only zeros are skipped.</summary>
    public static void Parse(string value, Action<string, string> onHash)
    {
        foreach (var range in value.AsSpan().Split(','))
        {
            var item = value.AsSpan(range).Trim();
            var eq = item.IndexOf('=');
            if (eq <= 0) continue;
            var hex = item[(eq + 1)..].Trim();
            if (hex.IsEmpty || hex.TrimStart('0').IsEmpty) continue;
            onHash(item[..eq].Trim().ToString().ToLowerInvariant(), hex.ToString().ToLowerInvariant());
        }
    }
}
