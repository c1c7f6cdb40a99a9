using System.Text;
using FluentAssertions;
using Sysmon.Ingest.Evtx;
using Sysmon.Ingest.Reading;
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

        var hashes = Bytes("SHA1=6CBCE4A295C163791B60FC23D285E6D84F28EE4C,MD5=7353F60B1739074EB17C5F4DDDEFE239," +
            "SHA256=DE96A6E69944335375DC1AC238336066889D9FFC7D73628EF4FE1B1B160AB32C,IMPHASH=741776AACCFC5B71FF59832DCDCACE0F\0");
        BinXmlValue.Render(BinXmlValue.String, hashes).Should().BeSameAs(BinXmlValue.Render(BinXmlValue.String, hashes.ToArray()),
            "a DLL's Hashes value comes back with each of its loads");
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

    [Fact]
    public void A_guid_or_sid_seen_again_is_the_same_instance_and_reads_as_windows_shows_it()
    {
        var guid = System.Convert.FromHexString("5F3870572AC2E043BF4C06F5698FFBD9");
        var first = BinXmlValue.Render(BinXmlValue.Guid, guid);
        first.Should().Be("{5770385F-C22A-43E0-BF4C-06F5698FFBD9}");
        BinXmlValue.Render(BinXmlValue.Guid, guid.ToArray()).Should().BeSameAs(first, "a process' GUID comes with each of its events");

        var system = System.Convert.FromHexString("010100000000000512000000");
        var sid = BinXmlValue.Render(BinXmlValue.Sid, system);
        sid.Should().Be("S-1-5-18");
        BinXmlValue.Render(BinXmlValue.Sid, system.ToArray()).Should().BeSameAs(sid);
    }

    [Theory]
    [InlineData(15)]
    [InlineData(16)] // more sub-authorities than Windows allows: still rendered, not on the stack
    [InlineData(255)]
    public void A_sid_with_many_sub_authorities_is_rendered_whole(int count)
    {
        var bytes = new byte[8 + 4 * count];
        bytes[0] = 1;
        bytes[1] = (byte)count;
        bytes[7] = 5;
        for (var i = 0; i < count; i++) System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8 + 4 * i), uint.MaxValue - (uint)i);

        var expected = "S-1-5" + string.Concat(Enumerable.Range(0, count).Select(i => "-" + (uint.MaxValue - (uint)i).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        BinXmlValue.Render(BinXmlValue.Sid, bytes).Should().Be(expected);
    }
}
