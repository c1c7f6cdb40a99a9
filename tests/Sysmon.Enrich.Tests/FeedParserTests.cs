using FluentAssertions;
using Sysmon.Enrich.Formats;
using Sysmon.Enrich.Indicators;
using Xunit;

namespace Sysmon.Enrich.Tests;

/// <summary>Each feed format on realistic payloads (documentation ranges and made-up hashes), nasty cases included.</summary>
[Collection(HeldMemoryCollection.Name)]
public sealed class FeedParserTests
{
    private static List<string> Values(FeedParseResult r) => r.Indicators.Select(i => i.Value).ToList();

    // Parsed from a string and from the UTF-8 bytes a download hands over (lines decoded one at a time, JSON read as
    // bytes): both must find the same.
    private static FeedParseResult Parsed(string content, string feed, FeedFormat format, string? column = null, DateTimeOffset? now = null)
    {
        var fromText = FeedParser.Parse(content, feed, format, column, now);
        var fromBytes = FeedParser.Parse(System.Text.Encoding.UTF8.GetBytes(content), feed, format, column, now);
        Values(fromBytes).Should().Equal(Values(fromText));
        fromBytes.Rejected.Should().Be(fromText.Rejected);
        return fromBytes;
    }

    [Fact]
    public void Plain_lists_handle_comments_crlf_bom_inline_comments_and_defanged_values()
    {
        const string text = "\uFEFF# Feodo Tracker\r\n# Last updated: 2026-01-05 08:00:00 UTC\r\n198.51.100.23\r\n\r\n203.0.113[.]5 # seen in a report\r\n" +
                            "; another comment style\r\nhxxp://bad[.]example/x.exe\r\nD41D8CD98F00B204E9800998ECF8427E\r\n198.51.100.23\r\nC2.Example.test.\r\n";
        var r = Parsed(text, "test", FeedFormat.Plain);
        Values(r).Should().Equal("198.51.100.23", "203.0.113.5", "http://bad.example/x.exe", "d41d8cd98f00b204e9800998ecf8427e", "c2.example.test");
        r.Indicators.Select(i => i.Type).Should().Equal(IndicatorType.Ipv4, IndicatorType.Ipv4, IndicatorType.Url, IndicatorType.Md5, IndicatorType.Domain);
        r.Rejected.Should().Be(0);
    }

    [Theory]
    [InlineData("010.0.0.1")]
    [InlineData("1.2.3")]
    [InlineData("16909060")]
    [InlineData("0x7f.1")]
    [InlineData("256.1.1.1")]
    [InlineData("203.0.113.0/33")]
    [InlineData("<html>")]
    public void Ambiguous_or_invalid_entries_are_counted_never_fatal(string entry)
    {
        var r = Parsed("198.51.100.1\n" + entry + "\n", "test", FeedFormat.Plain);
        Values(r).Should().Equal("198.51.100.1");
        r.Rejected.Should().Be(1);
        r.RejectionExamples.Should().ContainSingle().Which.Should().StartWith("line 2:");
    }

    [Fact]
    public void Cidrs_are_canonicalised_and_ipv6_is_compressed()
    {
        var r = Parsed("203.0.113.7/24\n2001:DB8:0:0::1\n2001:db8:bad::/48\n::ffff:198.51.100.9\n", "test", FeedFormat.Plain);
        Values(r).Should().Equal("203.0.113.0/24", "2001:db8::1", "2001:db8:bad::/48", "198.51.100.9");
    }

    [Fact]
    public void Spamhaus_drop_text_and_its_ndjson_twin()
    {
        const string txt = "; Spamhaus DROP List 2026/01/05 - (c) 2026 The Spamhaus Project SLU\n; Last-Modified: Mon, 05 Jan 2026\n198.51.100.0/24 ; SBL000123\n203.0.113.0/24 ; SBL000124\n";
        Values(Parsed(txt, "drop", FeedFormat.Auto)).Should().Equal("198.51.100.0/24", "203.0.113.0/24");
        const string json = "{\"cidr\":\"198.51.100.0/24\",\"sblid\":\"SBL000123\",\"rir\":\"ripencc\"}\n{\"type\":\"metadata\",\"timestamp\":1767600000}\n";
        var r = Parsed(json, "drop", FeedFormat.Auto);
        Values(r).Should().Equal("198.51.100.0/24");
        r.Rejected.Should().Be(0);
    }

    [Fact]
    public void Csv_with_the_header_inside_a_comment_by_guessed_named_and_numbered_column()
    {
        const string urlhaus = "################\n# abuse.ch URLhaus Database Dump (CSV)\n# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n" +
                               "\"3100001\",\"2026-01-05 09:00:01\",\"http://malware.example.test/x.exe\",\"online\",\"2026-01-05 09:00:01\",\"malware_download\",\"exe,Formbook\",\"https://urlhaus.abuse.ch/url/3100001/\",\"reporter1\"\r\n";
        Values(Parsed(urlhaus, "urlhaus", FeedFormat.Csv, null)).Should().Equal("http://malware.example.test/x.exe");

        const string threatfox = "# \"first_seen_utc\",\"ioc_id\",\"ioc_value\",\"ioc_type\",\"threat_type\"\r\n" +
                                 "\"2026-01-05 10:11:12\", \"1900001\", \"203.0.113.50:443\", \"ip:port\", \"botnet_cc\"\r\n" +
                                 "\"2026-01-05 10:11:13\", \"1900002\", \"c2.example.test\", \"domain\", \"botnet_cc\"\r\n";
        Values(Parsed(threatfox, "threatfox", FeedFormat.Csv, "ioc_value")).Should().Equal("203.0.113.50", "c2.example.test");

        const string feodo = "# comment\n\"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\",\"malware\"\n" +
                             "\"2026-01-05 08:15:02\",\"198.51.100.23\",\"443\",\"online\",\"2026-01-07\",\"QakBot\"\n" +
                             "\"2026-01-05 08:15:02\",\"198.51.100.23\",\"8080\",\"online\",\"2026-01-07\",\"QakBot\"\n";
        var r = Parsed(feodo, "feodo", FeedFormat.Csv, null);
        Values(r).Should().Equal("198.51.100.23"); // one IP, two ports: de-duplicated
        Values(Parsed("a,b,198.51.100.77\n", "x", FeedFormat.Csv, "3")).Should().Equal("198.51.100.77");
    }

    [Fact]
    public void Abusech_json_feodo_array_threatfox_object_and_error_envelope()
    {
        const string feodo = "[{\"ip_address\":\"198.51.100.23\",\"port\":443,\"status\":\"online\"},{\"ip_address\":\"198.51.100.24\",\"port\":8080}]";
        Values(Parsed(feodo, "feodo", FeedFormat.AbuseChJson)).Should().Equal("198.51.100.23", "198.51.100.24");
        const string threatfox = "{\"1900001\":[{\"ioc_value\":\"203.0.113.50:443\",\"ioc_type\":\"ip:port\"}],\"1900002\":[{\"ioc_value\":\"91F249717ECB311474E6857DBE078860281CD5AC8969E8C132687AB32621F05E\",\"ioc_type\":\"sha256_hash\"}]}";
        Values(Parsed(threatfox, "tf", FeedFormat.AbuseChJson)).Should().Equal("203.0.113.50", "91f249717ecb311474e6857dbe078860281cd5ac8969e8c132687ab32621f05e");
        var act = () => Parsed("{\"query_status\":\"unknown_auth_key\"}", "tf", FeedFormat.AbuseChJson);
        act.Should().Throw<FormatException>().WithMessage("*unknown_auth_key*");
    }

    [Fact]
    public void Stix_bundles_keep_or_atoms_and_skip_compound_revoked_and_expired_indicators()
    {
        const string bundle = """
            {"type":"bundle","id":"bundle--1","objects":[
             {"type":"indicator","spec_version":"2.1","id":"indicator--1","name":"C2 server","pattern_type":"stix",
              "pattern":"[ipv4-addr:value = '203.0.113.66'] OR [domain-name:value = 'c2.example.test']","valid_from":"2026-01-05T10:00:00Z"},
             {"type":"indicator","id":"indicator--2","pattern_type":"stix","pattern":"[file:hashes.'SHA-256' = 'aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899']"},
             {"type":"indicator","id":"indicator--3","pattern_type":"stix","pattern":"[ipv4-addr:value ISSUBSET '198.51.100.0/24']"},
             {"type":"indicator","id":"indicator--4","pattern_type":"stix","pattern":"[ipv4-addr:value = '192.0.2.1' AND network-traffic:dst_port = 443]"},
             {"type":"indicator","id":"indicator--5","pattern_type":"stix","revoked":true,"pattern":"[ipv4-addr:value = '192.0.2.2']"},
             {"type":"indicator","id":"indicator--6","pattern_type":"stix","valid_until":"2020-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '192.0.2.3']"},
             {"type":"indicator","id":"indicator--7","pattern_type":"sigma","pattern":"title: x"},
             {"type":"malware","id":"malware--1","name":"x"}]}
            """;
        var r = Parsed(bundle, "stix", FeedFormat.Auto, now: new DateTimeOffset(2026, 1, 6, 0, 0, 0, TimeSpan.Zero));
        Values(r).Should().Equal("203.0.113.66", "c2.example.test", "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899", "198.51.100.0/24");
        r.Indicators[0].Description.Should().Be("C2 server");
        r.Rejected.Should().Be(1, "the compound AND pattern is skipped and counted");
    }

    [Fact]
    public void An_html_error_page_is_mostly_rejected()
    {
        var r = Parsed("<!DOCTYPE html>\n<html><body>\n<h1>502 Bad Gateway</h1>\n</body></html>\n", "x", FeedFormat.Plain);
        r.Indicators.Should().BeEmpty();
        r.RejectedRatio.Should().Be(1);
    }
    [Fact]
    public void A_big_list_parses_to_its_indicators_and_little_more()
    {
        var text = string.Join('\n', Enumerable.Range(0, 300_000)
            .Select(n => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(n))))) + "\n";
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var r = PlainListParser.Parse(text, "bench-hashes");
        var held = GC.GetTotalMemory(forceFullCollection: true) - before;

        r.Indicators.Should().HaveCount(300_000);
        // Each hash is a 64-character string (~150 bytes) and an indicator (~72); the de-duplication set adds ~30 bytes
        // an entry. With a "type|value" string an entry it added ~190 more: 126 MB here instead of ~78.
        held.Should().BeLessThan(95L << 20);
        GC.KeepAlive(r);
    }
}
