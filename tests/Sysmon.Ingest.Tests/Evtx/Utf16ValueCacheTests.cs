using System.Text;
using FluentAssertions;
using Sysmon.Ingest.Evtx;
using Xunit;

namespace Sysmon.Ingest.Tests.Evtx;

/// <summary>A string value seen again is the same instance; what it reads as never changes.</summary>
public sealed class Utf16ValueCacheTests
{
    private static byte[] Bytes(string s) => Encoding.Unicode.GetBytes(s);

    [Fact]
    public void A_string_value_seen_again_is_the_same_instance()
    {
        var path = Bytes("C:\\Windows\\System32\\kernel32.dll\0"); // with its terminator, as EVTX stores it
        var first = BinXmlValue.Render(BinXmlValue.String, path);
        var again = BinXmlValue.Render(BinXmlValue.String, path.ToArray());

        first.Should().Be("C:\\Windows\\System32\\kernel32.dll");
        again.Should().BeSameAs(first, "an image-load log repeats its paths: one string each");
    }

    [Fact]
    public void Values_that_differ_or_cannot_be_cached_read_as_the_decoder_reads_them()
    {
        var cache = new Utf16ValueCache();
        var longValue = new string('x', Utf16ValueCache.MaxChars + 1);
        var loneSurrogate = Encoding.Unicode.GetBytes("ab").Concat(new byte[] { 0x00, 0xD8 }).ToArray(); // a high surrogate alone
        string[] values = ["-", "Microsoft Windows", "Microsoft Windowz", "ä漢字", longValue, ""];

        foreach (var v in values.Concat(values)) cache.Get(Bytes(v)).Should().Be(v);
        cache.Get(Bytes(longValue)).Should().NotBeSameAs(cache.Get(Bytes(longValue)), "a command line's length is decoded each time");
        var replaced = Encoding.Unicode.GetString(loneSurrogate);
        cache.Get(loneSurrogate).Should().Be(replaced);
        cache.Get(loneSurrogate).Should().Be(replaced, "a lone surrogate is replaced on every read, never matched as it stands");

        // A value starting at an odd offset of a chunk (the cache reads it as chars) reads the same.
        var odd = new byte[] { 0xEE }.Concat(Bytes("Microsoft Windows")).ToArray();
        cache.Get(odd.AsSpan(1)).Should().Be("Microsoft Windows");
    }
}
