using Sysmon.Ingest.Reading;

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
            if (TryParseItem(value.AsSpan(range), out var algo, out var hex)) onHash(algo, hex);
        }
    }

    /// <summary>One <c>ALGO=HEX</c> item: the algorithm's name and the digest, both lower-case.</summary>
    public static bool TryParseItem(ReadOnlySpan<char> item, out string algo, out string hex)
    {
        algo = hex = "";
        item = item.Trim();
        var eq = item.IndexOf('=');
        if (eq <= 0) return false;
        var digest = item[(eq + 1)..].Trim();
        if (digest.IsEmpty || digest.TrimStart('0').IsEmpty) return false;
        algo = KnownAlgorithm(item[..eq].Trim()) ?? item[..eq].Trim().ToString().ToLowerInvariant();
        hex = LowerCase(digest);
        return true;
    }

    // The same binary's digests come back with each of its runs and loads: one string per digest seen on this thread.
    private static string LowerCase(ReadOnlySpan<char> digest)
    {
        if (digest.Length > Utf16ValueCache.MaxChars) return string.Create(digest.Length, digest, static (dst, src) => src.ToLowerInvariant(dst));
        Span<char> lower = stackalloc char[Utf16ValueCache.MaxChars];
        var n = digest.ToLowerInvariant(lower);
        return Utf16ValueCache.Current.Get(lower[..n]);
    }

    private static string? KnownAlgorithm(ReadOnlySpan<char> name) =>
        name.Equals("SHA1", StringComparison.OrdinalIgnoreCase) ? "sha1"
        : name.Equals("MD5", StringComparison.OrdinalIgnoreCase) ? "md5"
        : name.Equals("SHA256", StringComparison.OrdinalIgnoreCase) ? "sha256"
        : name.Equals("IMPHASH", StringComparison.OrdinalIgnoreCase) ? "imphash"
        : null;
}
