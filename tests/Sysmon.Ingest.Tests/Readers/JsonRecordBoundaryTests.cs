using System.Text;
using FluentAssertions;
using Sysmon.Ingest.Json;
using Xunit;

namespace Sysmon.Ingest.Tests.Readers;

/// <summary>Where a piece of a JSON file may be cut: after its last whole record, never inside an object.</summary>
public sealed class JsonRecordBoundaryTests
{
    [Theory]
    [InlineData("{\"a\":1}\n{\"a\":2}\n{\"a\"", "{\"a\":1}\n{\"a\":2}\n")]
    [InlineData("[\n  {\n    \"a\": \"x\\n}\"\n  },\n  {\n    \"a\": 2\n", "[\n  {\n    \"a\": \"x\\n}\"\n  },\n  ")]
    [InlineData("{\"a\":{\"b\":[1,2]}}", "{\"a\":{\"b\":[1,2]}}")]
    [InlineData("not json\n{\"a\":1", "not json\n")]
    [InlineData("{\"a\":\"no end", "")]
    [InlineData("", "")]
    public void The_cut_comes_after_the_last_whole_record(string piece, string taken)
    {
        var bytes = Encoding.UTF8.GetBytes(piece);
        Encoding.UTF8.GetString(bytes, 0, JsonRecordBoundary.LastRecordEnd(bytes)).Should().Be(taken);
    }
}
