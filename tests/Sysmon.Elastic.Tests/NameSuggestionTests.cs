using FluentAssertions;
using Sysmon.Queries;
using Xunit;

namespace Sysmon.Elastic.Tests;

/// <summary>A hunt or feed name that is not known is answered with the known names close to it. "no hunt named
/// 'rare-binaries'" alone sent the responder to read the whole list.</summary>
public sealed class NameSuggestionTests
{
    private static readonly string[] Hunts = ["rare-executables", "hash-stats", "hash-spread", "blacklisted-dns", "remote-threads"];

    [Theory]
    [InlineData("rare-binaries", " (did you mean 'rare-executables'?)")] // a shared word
    [InlineData("hash-stat", " (did you mean 'hash-stats' or 'hash-spread'?)")] // one letter off, then a shared word
    [InlineData("Remote-Threads", " (did you mean 'remote-threads'?)")] // case
    [InlineData("lineage", "")] // nothing close: no guess
    [InlineData("dns", "")] // a short word shared is no likeness
    public void Close_names_are_offered_nearest_first(string given, string expected) =>
        NameSuggestions.DidYouMean(given, Hunts).Should().Be(expected);

    [Fact]
    public async Task An_unknown_hunt_is_answered_with_the_close_ones()
    {
        var r = await CliRunner.RunAsync(CliRunner.TempDir(), null, "hunt", "rare-binaries", "--store", "duckdb:nope.duckdb");
        r.ExitCode.Should().Be(2, r.Stderr);
        r.Stderr.Should().Contain("no hunt named 'rare-binaries' (did you mean 'rare-executables'?) (see 'sysmon-elastic hunt list')");
    }

    [Fact]
    public async Task An_unknown_feed_is_answered_with_the_close_ones()
    {
        var dir = CliRunner.TempDir();
        await File.WriteAllTextAsync(Path.Combine(dir, "feeds.json"),
            "{\"feeds\":[{\"name\":\"urlhaus-domains\",\"url\":\"d.txt\",\"format\":\"plain\",\"type\":\"domain\"}," +
            "{\"name\":\"feodo-ips\",\"url\":\"i.txt\",\"format\":\"plain\",\"type\":\"ipv4\"}]}");
        var r = await CliRunner.RunAsync(dir, null, "feeds", "update", "urlhaus-domian", "--feeds", "feeds.json", "--store", "duckdb:s.duckdb");
        r.ExitCode.Should().Be(2, r.Stderr);
        r.Stderr.Should().Contain("no feed named 'urlhaus-domian' (did you mean 'urlhaus-domains'?) (see 'sysmon-elastic feeds list')");
    }
}
