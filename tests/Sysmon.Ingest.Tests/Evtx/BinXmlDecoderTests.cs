using System.Buffers.Binary;
using System.Text;
using FluentAssertions;
using Sysmon.Ingest.Evtx;
using Xunit;

namespace Sysmon.Ingest.Tests.Evtx;

/// <summary>Template instances on hand-built binary XML (the layout libyal's EVTX notes give).</summary>
public sealed class BinXmlDecoderTests
{
    private sealed class Texts : IBinXmlHandler
    {
        public List<string> Seen { get; } = [];
        public void StartElement(string name) { }
        public void Attribute(string name, string value) { }
        public void Text(string text) => Seen.Add(text);
        public void EndElement() { }
    }

    [Fact]
    public void A_substitution_beyond_the_instance_values_renders_nothing_after_a_record_with_more_values()
    {
        // The values of an instance sit in a pooled array that a record with more values used before: the second
        // record's substitution 5 has no value of its own and must not show the first record's sixth.
        var chunk = new byte[64 * 1024];
        var first = 512;
        var second = WriteRecord(chunk, first, [0, 1, 2, 3, 4, 5], ["v0", "v1", "v2", "v3", "v4", "v5"]);
        var end = WriteRecord(chunk, second, [0, 5], ["only"]);
        var decoder = new BinXmlDecoder(chunk, chunk.Length);

        var a = new Texts();
        decoder.Decode(first, second, a);
        var b = new Texts();
        decoder.Decode(second, end, b);

        a.Seen.Should().Equal("v0", "v1", "v2", "v3", "v4", "v5");
        b.Seen.Should().Equal("only");
    }

    // A fragment holding one template instance, defined inline: <Data> with the given substitutions, then the values
    // (UTF-16 strings). Returns the offset after it.
    private static int WriteRecord(byte[] chunk, int pos, int[] substitutions, string[] values)
    {
        var w = new Writer(chunk, pos);
        w.Bytes(0x0f, 0x01, 0x01, 0x00);
        w.Bytes(0x0c, 0x01);
        w.U32(1); // template id
        w.U32((uint)(w.Pos + 4)); // its definition follows
        w.U32(0); // next definition
        w.Pos += 16; // GUID
        var sizeAt = w.Pos;
        w.Pos += 4;
        var body = w.Pos;
        w.Bytes(0x0f, 0x01, 0x01, 0x00);
        w.Bytes(0x01);
        w.U16(0xFFFF); // dependency id
        w.U32(0); // data size
        w.U32((uint)(w.Pos + 4)); // the name follows
        w.U32(0); // next name
        w.U16(0); // hash
        w.U16(4);
        w.Utf16("Data");
        w.U16(0);
        w.Bytes(0x02);
        foreach (var id in substitutions)
        {
            w.Bytes(0x0d);
            w.U16((ushort)id);
            w.Bytes(0x01);
        }
        w.Bytes(0x04, 0x00);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(sizeAt), (uint)(w.Pos - body));
        w.U32((uint)values.Length);
        foreach (var v in values)
        {
            w.U16((ushort)(v.Length * 2));
            w.Bytes(0x01, 0x00);
        }
        foreach (var v in values) w.Utf16(v);
        return w.Pos;
    }

    private sealed class Writer(byte[] chunk, int pos)
    {
        public int Pos { get; set; } = pos;
        public void Bytes(params byte[] b) { b.CopyTo(chunk, Pos); Pos += b.Length; }
        public void U16(ushort v) { BinaryPrimitives.WriteUInt16LittleEndian(chunk.AsSpan(Pos), v); Pos += 2; }
        public void U32(uint v) { BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(Pos), v); Pos += 4; }
        public void Utf16(string s) => Bytes(Encoding.Unicode.GetBytes(s));
    }
}
