using System.Text;
using FluentAssertions;
using Sysmon.Ingest.Json;
using Sysmon.Ingest.Tests.Fixtures;
using Xunit;
using Convert = Sysmon.Ingest.Tests.Fixtures.Convert;

namespace Sysmon.Ingest.Tests.Readers;

public sealed class Utf8ValueCacheTests
{
    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void A_repeated_value_comes_back_as_the_same_instance()
    {
        var cache = new Utf8ValueCache();
        var first = cache.Get(Utf8(@"C:\Windows\System32\svchost.exe"));
        var second = cache.Get(Utf8(@"C:\Windows\System32\svchost.exe"));
        second.Should().Be(@"C:\Windows\System32\svchost.exe");
        ReferenceEquals(first, second).Should().BeTrue();
    }

    [Fact]
    public void A_hashes_value_with_four_algorithms_is_short_enough_to_come_back_as_the_same_instance()
    {
        const string hashes = "SHA1=6CBCE4A295C163791B60FC23D285E6D84F28EE4C,MD5=7353F60B1739074EB17C5F4DDDEFE239," +
            "SHA256=DE96A6E69944335375DC1AC238336066889D9FFC7D73628EF4FE1B1B160AB32C,IMPHASH=741776AACCFC5B71FF59832DCDCACE0F";
        var cache = new Utf8ValueCache();
        var first = cache.Get(Utf8(hashes));
        cache.Get(Utf8(hashes)).Should().BeSameAs(first, "a binary's Hashes come back with each of its runs");
    }

    [Fact]
    public void Non_ascii_bytes_are_decoded_and_never_mistaken_for_the_latin1_reading_of_the_same_bytes()
    {
        var cache = new Utf8ValueCache();
        // "é" is C3 A9 in UTF-8; "Ã©" is those two bytes read one char each: a char-for-byte compare would match.
        cache.Get(Utf8("Ã©")).Should().Be("Ã©");
        cache.Get(Utf8("é")).Should().Be("é");
        cache.Get(Utf8("Ã©")).Should().Be("Ã©");
        cache.Get(Utf8("Bücher")).Should().Be("Bücher");
    }

    [Fact]
    public void Many_distinct_values_sharing_slots_each_come_back_exactly()
    {
        var cache = new Utf8ValueCache();
        var values = Enumerable.Range(0, 20_000).Select(i => $"{{8f3c{i:x4}-0000-0000-0000-00000000{i % 7:x4}}}").ToList();
        foreach (var round in Enumerable.Range(0, 2))
        {
            foreach (var v in values) cache.Get(Utf8(v)).Should().Be(v);
        }
    }

    [Fact]
    public void Empty_short_and_longer_than_cached_values_are_read_exactly()
    {
        var cache = new Utf8ValueCache();
        cache.Get([]).Should().BeEmpty();
        cache.Get(Utf8("-")).Should().Be("-");
        var longer = new string('A', Utf8ValueCache.MaxLength + 1);
        cache.Get(Utf8(longer)).Should().Be(longer);
    }

    [Fact]
    public async Task Escaped_json_values_are_cached_by_their_unescaped_text()
    {
        // Windows paths are escaped in JSON (\\): two events with the same image read back identical and whole.
        var create = SampleEvents.All.Single(s => s.Id == 1);
        var events = await Convert.EventsAsync(new JsonEventReader(), EventForms.Beats(create) + "\n" + EventForms.Beats(create) + "\n");
        events.Should().HaveCount(2);
        var image = events[0].Data.Single(kv => kv.Key == "Image").Value;
        image.Should().Contain(@"\").And.Be(create.Data.Single(d => d.Name == "Image").Value);
        ReferenceEquals(image, events[1].Data.Single(kv => kv.Key == "Image").Value).Should().BeTrue();
    }
}
