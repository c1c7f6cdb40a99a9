using FluentAssertions;
using Sysmon.Enrich.Formats;
using Sysmon.Enrich.Indicators;
using Xunit;

namespace Sysmon.Enrich.Tests;

[Collection(HeldMemoryCollection.Name)]
public sealed class IndicatorSetTests
{
    private static IndicatorSet Set(string list, bool parents = false, IEnumerable<string>? allow = null) =>
        new(PlainListParser.Parse(list, "feed").Indicators, allow, parents);

    private static List<string> Ip(IndicatorSet set, string ip)
    {
        var found = new List<Indicator>();
        set.MatchIp(ip, found);
        return found.Select(i => i.Value).ToList();
    }

    [Fact]
    public void Exact_ips_and_every_containing_block_match()
    {
        var set = Set("203.0.113.66\n203.0.113.0/24\n203.0.0.0/16\n198.51.100.0/24\n2001:db8:bad::/48\n");
        Ip(set, "203.0.113.66").Should().BeEquivalentTo("203.0.113.66", "203.0.113.0/24", "203.0.0.0/16");
        Ip(set, "203.0.113.67").Should().BeEquivalentTo("203.0.113.0/24", "203.0.0.0/16");
        Ip(set, "203.0.114.1").Should().Equal("203.0.0.0/16");
        Ip(set, "198.51.101.1").Should().BeEmpty();
        Ip(set, "2001:db8:bad:1::5").Should().Equal("2001:db8:bad::/48");
        Ip(set, "::ffff:198.51.100.9").Should().Equal("198.51.100.0/24");
        Ip(set, "not an ip").Should().BeEmpty();
    }

    [Fact]
    public void Private_and_special_ranges_never_match_unless_the_allow_list_is_changed()
    {
        var firehol = Set("10.0.0.0/8\n192.168.0.0/16\n0.0.0.0/8\n203.0.113.0/24\n");
        Ip(firehol, "10.20.30.40").Should().BeEmpty();
        Ip(firehol, "192.168.1.1").Should().BeEmpty();
        Ip(firehol, "203.0.113.9").Should().Equal("203.0.113.0/24");
        Ip(Set("10.0.0.0/8\n", allow: []), "10.20.30.40").Should().Equal("10.0.0.0/8");
        var allow = AllowList.Default;
        allow.Contains(System.Net.IPAddress.Parse("172.31.255.255")).Should().BeTrue();
        allow.Contains(System.Net.IPAddress.Parse("172.32.0.0")).Should().BeFalse();
        allow.Contains(System.Net.IPAddress.Parse("255.255.255.255")).Should().BeTrue();
        allow.Contains(System.Net.IPAddress.Parse("fe80::1")).Should().BeTrue();
        allow.Contains(System.Net.IPAddress.Parse("::1")).Should().BeTrue();
        allow.Contains(System.Net.IPAddress.Parse("2001:db8::1")).Should().BeFalse();
        allow.Contains(System.Net.IPAddress.Parse("8.8.8.8")).Should().BeFalse();
    }

    [Fact]
    public void Hashes_match_in_any_case_and_domains_optionally_by_parent()
    {
        var set = Set("91f249717ecb311474e6857dbe078860281cd5ac8969e8c132687ab32621f05e\nbad.example\n", parents: true);
        var found = new List<Indicator>();
        set.MatchHash("91F249717ECB311474E6857DBE078860281CD5AC8969E8C132687AB32621F05E", found);
        found.Should().ContainSingle();
        found.Clear();
        set.MatchDomain("cdn.eu.BAD.example.", found);
        found.Should().ContainSingle().Which.Value.Should().Be("bad.example");
        found.Clear();
        Set("bad.example\n").MatchDomain("cdn.bad.example", found);
        found.Should().BeEmpty("parent matching is off by default");
    }

    [Fact]
    public void A_value_two_feeds_list_matches_once_per_feed()
    {
        var hash = "91f249717ecb311474e6857dbe078860281cd5ac8969e8c132687ab32621f05e";
        var set = new IndicatorSet(
        [
            new Indicator(IndicatorType.Sha256, hash, "feed-a"), new Indicator(IndicatorType.Ipv4, "203.0.113.66", "feed-a"),
            new Indicator(IndicatorType.Sha256, hash, "feed-b"), new Indicator(IndicatorType.Sha256, hash, "feed-c"),
        ], null, matchParentDomains: false);
        var found = new List<Indicator>();
        set.MatchHash(hash, found);
        found.Select(i => i.Feed).Should().Equal("feed-a", "feed-b", "feed-c");
        found.Clear();
        set.MatchIp("203.0.113.66", found);
        found.Should().ContainSingle().Which.Feed.Should().Be("feed-a");
        set.Count.Should().Be(4);
    }

    [Fact]
    public void A_million_indicators_half_of_them_cidrs_load_and_answer()
    {
        var indicators = new List<Indicator>(1_000_000);
        for (var i = 0; i < 500_000; i++)
        {
            indicators.Add(new Indicator(IndicatorType.Ipv4, $"{11 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}.1", "big"));
            indicators.Add(new Indicator(IndicatorType.Cidr, $"{100 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}.0/24", "big"));
        }
        var set = new IndicatorSet(indicators, null, false);
        set.Count.Should().Be(1_000_000);
        Ip(set, "11.0.5.1").Should().Equal("11.0.5.1");
        Ip(set, "100.1.2.77").Should().Equal("100.1.2.0/24");
        Ip(set, "150.1.2.3").Should().BeEmpty();
    }
    [Fact]
    public void Addresses_and_hashes_match_by_what_they_decode_to_each_in_canonical_form()
    {
        var md5 = "0123456789abcdef0123456789abcdef";
        var sha1 = "0123456789abcdef0123456789abcdef01234567";
        var set = new IndicatorSet(
        [
            new Indicator(IndicatorType.Md5, md5, "f") { Confidence = "high", Tlp = "AMBER", Description = "loader" },
            new Indicator(IndicatorType.Sha1, sha1, "f"),
            new Indicator(IndicatorType.Ipv6, "2001:db8:bad::66", "f"),
            new Indicator(IndicatorType.Ipv6, "::ffff:203.0.113.9", "f"), // stored mapped, matched as the IPv4 address it is
            new Indicator(IndicatorType.Sha256, "not-hex-but-kept", "f"),
            new Indicator(IndicatorType.Cidr, "203.0.113.0/99", "f"), // not a block: kept and counted, no failed load
        ], null, matchParentDomains: false);

        var found = new List<Indicator>();
        set.MatchHash(md5.ToUpperInvariant(), found);
        found.Should().ContainSingle().Which.Should().Be(
            new Indicator(IndicatorType.Md5, md5, "f") { Confidence = "high", Tlp = "AMBER", Description = "loader" });
        found.Clear();
        set.MatchHash(sha1, found);
        found.Should().ContainSingle().Which.Type.Should().Be(IndicatorType.Sha1);
        found.Clear();
        set.MatchHash(md5 + "ffffffff", found); // an MD5's digits leading a SHA-1 that is not listed
        found.Should().BeEmpty();
        set.MatchHash("NOT-HEX-BUT-KEPT", found);
        found.Should().ContainSingle().Which.Value.Should().Be("not-hex-but-kept");

        Ip(set, "2001:0db8:0bad:0000::0066").Should().Equal("2001:db8:bad::66");
        Ip(set, "203.0.113.9").Should().Equal("203.0.113.9");
        Ip(set, "::ffff:203.0.113.9").Should().Equal("203.0.113.9");
        Ip(set, "203.0.113.10").Should().BeEmpty();
        set.Count.Should().Be(6);
    }

    [Fact]
    public void A_million_hashes_of_one_feed_are_held_packed()
    {
        static IEnumerable<Indicator> Hashes()
        {
            for (var i = 0; i < 1_000_000; i++)
            {
                var hash = System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i));
                yield return new Indicator(IndicatorType.Sha256, Convert.ToHexStringLower(hash), "bench-hashes") { Confidence = "high", Tlp = "CLEAR" };
            }
        }
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var set = new IndicatorSet(Hashes(), null, matchParentDomains: false);
        var held = GC.GetTotalMemory(forceFullCollection: true) - before;

        // As hex strings in a dictionary of indicator objects the same set held ~300 MB.
        held.Should().BeLessThan(64L << 20, "32 bytes a hash, an index at most half full, and one shared indicator");
        var found = new List<Indicator>();
        set.MatchHash(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(999_999))), found);
        found.Should().ContainSingle().Which.Feed.Should().Be("bench-hashes");
        set.Count.Should().Be(1_000_000);
    }
}
