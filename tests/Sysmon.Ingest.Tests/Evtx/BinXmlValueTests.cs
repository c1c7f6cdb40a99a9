using FluentAssertions;
using Sysmon.Ingest.Evtx;
using Xunit;

namespace Sysmon.Ingest.Tests.Evtx;

/// <summary>Substitution values render as Windows renders them in event XML.</summary>
public sealed class BinXmlValueTests
{
    [Theory]
    [InlineData(BinXmlValue.String, "41004200", "AB")]
    [InlineData(BinXmlValue.String, "41000000", "A")]
    [InlineData(BinXmlValue.String, "410000004200000000", "A\0B")] // NULs inside stay; the terminators and an odd byte go
    [InlineData(BinXmlValue.String, "00000000", "")]
    [InlineData(BinXmlValue.AnsiString, "414200", "AB")]
    [InlineData(BinXmlValue.Int8, "FF", "-1")]
    [InlineData(BinXmlValue.UInt8, "FF", "255")]
    [InlineData(BinXmlValue.Int16, "FEFF", "-2")]
    [InlineData(BinXmlValue.UInt16, "3412", "4660")]
    [InlineData(BinXmlValue.Int32, "FFFFFFFF", "-1")]
    [InlineData(BinXmlValue.UInt32, "401F0000", "8000")]
    [InlineData(BinXmlValue.Int64, "FFFFFFFFFFFFFFFF", "-1")]
    [InlineData(BinXmlValue.UInt64, "0000000000000080", "9223372036854775808")]
    [InlineData(BinXmlValue.Bool, "01000000", "true")]
    [InlineData(BinXmlValue.Bool, "00000000", "false")]
    [InlineData(BinXmlValue.Binary, "DEADBEEF", "DEADBEEF")]
    [InlineData(BinXmlValue.Guid, "5F3870572AC2E043BF4C06F5698FFBD9", "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}")]
    [InlineData(BinXmlValue.HexInt32, "10100000", "0x1010")]
    [InlineData(BinXmlValue.HexInt64, "0000000000000080", "0x8000000000000000")]
    [InlineData(BinXmlValue.SizeT, "E7030000", "0x3e7")]
    [InlineData(BinXmlValue.FileTime, "C005A0A0DEC5D401", "2019-02-16T10:01:46.8840384Z")]
    [InlineData(BinXmlValue.SysTime, "E3070200060010000A0001002E007403", "2019-02-16T10:01:46.884Z")]
    [InlineData(BinXmlValue.Sid, "010100000000000512000000", "S-1-5-18")]
    [InlineData(BinXmlValue.Sid, "010500000000000515000000A1B2C3D4E5F60718293A4B5C6D7E8F90", "S-1-5-21-3569595041-403175141-1548433961-2425323117")]
    [InlineData(BinXmlValue.Null, "", "")]
    [InlineData(0x81, "41000000420000000000", "A, B")]
    [InlineData(0x88, "0100000002000000", "1, 2")]
    [InlineData(0x94, "0100000010000000", "0x1, 0x10")]
    public void Values_render_like_windows(byte type, string hex, string expected)
    {
        BinXmlValue.Render(type, Convert.FromHexString(hex)).Should().Be(expected);
    }

    [Fact]
    public void Truncated_values_never_throw()
    {
        foreach (var type in new byte[] { 0x03, 0x05, 0x07, 0x09, 0x0b, 0x0c, 0x0d, 0x0f, 0x11, 0x12, 0x13, 0x14, 0x15, 0x88, 0x8f, 0x92 })
        {
            var act = () => BinXmlValue.Render(type, [0x01]);
            act.Should().NotThrow();
        }
    }
}
