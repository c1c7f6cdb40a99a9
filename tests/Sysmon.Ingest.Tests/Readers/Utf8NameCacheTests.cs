using FluentAssertions;
using Sysmon.Ingest.Json;
using Xunit;

namespace Sysmon.Ingest.Tests.Readers;

public sealed class Utf8NameCacheTests
{
    [Fact]
    public void A_path_is_built_once_for_the_cached_names_and_right_for_names_that_are_not_the_cached_instances()
    {
        var cache = new Utf8NameCache();
        var winlog = cache.Get("winlog"u8);
        var data = cache.Path(winlog, cache.Get("event_data"u8));
        var image = cache.Path(data, cache.Get("Image"u8));
        image.Should().Be("winlog.event_data.Image");
        ReferenceEquals(image, cache.Path(cache.Path(cache.Get("winlog"u8), cache.Get("event_data"u8)), cache.Get("Image"u8))).Should().BeTrue();

        // An escaped name is decoded apart from the cache: same text, another instance, another key, the same path.
        var escaped = new string("Image".AsSpan());
        cache.Path(data, escaped).Should().Be("winlog.event_data.Image");
        cache.Path(data, new string("User".AsSpan())).Should().Be("winlog.event_data.User");
        cache.Path(new string("winlog.event_data".AsSpan()), cache.Get("User"u8)).Should().Be("winlog.event_data.User");
        cache.Path("", escaped).Should().BeSameAs(escaped);
    }
}
