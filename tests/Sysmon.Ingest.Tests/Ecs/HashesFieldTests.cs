using FluentAssertions;
using Sysmon.Ingest.Ecs;
using Xunit;

namespace Sysmon.Ingest.Tests.Ecs;

/// <summary>Sysmon's Hashes value as lower-case (algorithm, digest) pairs.</summary>
public sealed class HashesFieldTests
{
    private static List<(string Algo, string Hex)> Parse(string value)
    {
        var pairs = new List<(string, string)>();
        HashesField.Parse(value, (a, h) => pairs.Add((a, h)));
        return pairs;
    }

    [Fact]
    public void Items_are_lower_cased_and_empty_or_zero_digests_skipped()
    {
        Parse("SHA1=6CBCE4A295C163791B60FC23D285E6D84F28EE4C, MD5=7353F60B1739074EB17C5F4DDDEFE239,SHA256=,IMPHASH=00000000000000000000000000000000,Foo=AB")
            .Should().Equal(("sha1", "6cbce4a295c163791b60fc23d285e6d84f28ee4c"), ("md5", "7353f60b1739074eb17c5f4dddefe239"), ("foo", "ab"));
        var longDigest = new string('A', 300);
        Parse("X=" + longDigest).Should().Equal(("x", new string('a', 300)));
    }

    [Fact]
    public void The_same_digest_seen_again_is_the_same_string()
    {
        const string value = "SHA256=DE96A6E69944335375DC1AC238336066889D9FFC7D73628EF4FE1B1B160AB32C";
        var first = Parse(value).Single().Hex;
        var again = Parse(string.Concat("SHA256=", "DE96A6E69944335375DC1AC238336066889D9FFC7D73628EF4FE1B1B160AB32C")).Single().Hex;
        again.Should().Be("de96a6e69944335375dc1ac238336066889d9ffc7d73628ef4fe1b1b160ab32c");
        again.Should().BeSameAs(first, "a binary's digest comes back with each of its runs and loads");
    }
}
