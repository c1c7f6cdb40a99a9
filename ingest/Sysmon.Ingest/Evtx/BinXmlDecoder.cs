using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Sysmon.Ingest.Evtx;

/// <summary>
/// Decodes the binary XML of one chunk's records (libevtx: "Binary XML") into calls on an
/// <see cref="IBinXmlHandler"/>. Names and template definitions are cached per chunk, as the format intends.
/// Everything is bounds-checked against the chunk; nesting, template and string sizes are capped, and every
/// step advances, so no input can crash, hang or allocate without bound.
/// </summary>
internal sealed class BinXmlDecoder(byte[] chunk, int chunkLength)
{
    private const int MaxDepth = 48;
    private const int MaxValues = 4096;
    // Work allowed per record (elements, substitutions, template instances): templates can refer to templates,
    // so a crafted chunk could otherwise make a small record expand exponentially.
    private const int WorkBudget = 200_000;
    private int _work;

    private readonly Dictionary<int, string> _names = [];
    private readonly Dictionary<int, string> _texts = [];
    private readonly Dictionary<int, (int Start, int End)> _templates = [];
    private readonly TextParts _attribute = new();
    private IBinXmlHandler _handler = null!;

    private readonly record struct Value(int Offset, int Size, byte Type);

    /// <summary>Decodes the binary XML in [start, end) of the chunk. Throws <see cref="EvtxFormatException"/>.</summary>
    public void Decode(int start, int end, IBinXmlHandler handler)
    {
        _handler = handler;
        _work = WorkBudget;
        var pos = start;
        ReadDocument(ref pos, end, [], inSubstitution: false, depth: 0);
    }

    private static EvtxFormatException Bad(string what, int pos) => new($"{what} at chunk offset {pos}");

    private void Need(int pos, int count, int end)
    {
        if (count < 0 || pos < 0 || pos + count > end || pos + count > chunkLength) throw Bad("data runs past its end", pos);
    }

    private byte U8(int pos, int end)
    {
        Need(pos, 1, end);
        return chunk[pos];
    }

    private ushort U16(int pos, int end)
    {
        Need(pos, 2, end);
        return BinaryPrimitives.ReadUInt16LittleEndian(chunk.AsSpan(pos));
    }

    private int I32(int pos, int end)
    {
        Need(pos, 4, end);
        var v = BinaryPrimitives.ReadUInt32LittleEndian(chunk.AsSpan(pos));
        return v > int.MaxValue ? int.MaxValue : (int)v;
    }

    // Document or fragment level: fragment headers, template instances, elements, PIs, until EOF.
    private void ReadDocument(ref int pos, int end, ReadOnlySpan<Value> values, bool inSubstitution, int depth)
    {
        if (depth > MaxDepth) throw Bad("binary XML nested too deeply", pos);
        while (pos < end)
        {
            var token = U8(pos, end);
            switch (token)
            {
                case 0x00:
                    pos++;
                    return;
                case 0x0f:
                    Need(pos, 4, end);
                    pos += 4;
                    break;
                case 0x0c:
                    ReadTemplateInstance(ref pos, end, depth);
                    break;
                case 0x01:
                case 0x41:
                    ReadElement(ref pos, end, values, inSubstitution, depth);
                    break;
                case 0x0a:
                    pos++;
                    ReadName(ref pos, end);
                    break;
                case 0x0b:
                    pos++;
                    ReadUtf16(ref pos, end);
                    break;
                default:
                    throw Bad($"unexpected binary XML token 0x{token:x2}", pos);
            }
        }
    }

    private void Spend(int pos)
    {
        if (--_work < 0) throw Bad("record expands beyond the work limit (template loop?)", pos);
    }

    private void ReadElement(ref int pos, int end, ReadOnlySpan<Value> values, bool inSubstitution, int depth)
    {
        if (depth > MaxDepth) throw Bad("binary XML nested too deeply", pos);
        Spend(pos);
        var token = U8(pos, end);
        pos++;
        // The dependency identifier is absent in elements of a Binary XML substitution value (libevtx), but
        // producers differ: take the layout whose name offset is plausible.
        if (!inSubstitution || (!PlausibleElementStart(pos, end) && PlausibleElementStart(pos + 2, end))) pos += 2;
        Need(pos, 4, end);
        pos += 4; // data size
        var name = ReadName(ref pos, end);
        _handler.StartElement(name);
        if ((token & 0x40) != 0)
        {
            Need(pos, 4, end);
            pos += 4; // attribute list size
            while ((U8(pos, end) & 0xBF) == 0x06)
            {
                pos++;
                var attributeName = ReadName(ref pos, end);
                _handler.Attribute(attributeName, ReadAttributeValue(ref pos, end, values));
            }
        }
        var close = U8(pos, end);
        pos++;
        if (close == 0x03)
        {
            _handler.EndElement();
            return;
        }
        if (close != 0x02) throw Bad($"expected the end of a start tag, found token 0x{close:x2}", pos - 1);
        ReadContent(ref pos, end, values, inSubstitution, depth);
        _handler.EndElement();
    }

    private bool PlausibleElementStart(int p, int end)
    {
        if (p + 8 > end) return false;
        var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(chunk.AsSpan(p + 4));
        var afterField = p + 8;
        return nameOffset == afterField || (nameOffset >= 128 && nameOffset + 8 <= (uint)chunkLength && nameOffset < afterField);
    }

    // Element content until the end-element token.
    private void ReadContent(ref int pos, int end, ReadOnlySpan<Value> values, bool inSubstitution, int depth)
    {
        while (true)
        {
            var token = U8(pos, end);
            switch (token & 0xBF)
            {
                case 0x04:
                    pos++;
                    return;
                case 0x01:
                    ReadElement(ref pos, end, values, inSubstitution, depth + 1);
                    break;
                case 0x05:
                    pos++;
                    pos++; // value type: always a string here
                    _handler.Text(ReadUtf16(ref pos, end));
                    break;
                case 0x07:
                    pos++;
                    _handler.Text(ReadUtf16(ref pos, end));
                    break;
                case 0x08:
                    _handler.Text(((char)U16(pos + 1, end)).ToString());
                    pos += 3;
                    break;
                case 0x09:
                    pos++;
                    _handler.Text(Entity(ReadName(ref pos, end)));
                    break;
                case 0x0d:
                case 0x0e:
                    Substitute(ref pos, end, values, depth);
                    break;
                case 0x0c:
                    ReadTemplateInstance(ref pos, end, depth);
                    break;
                case 0x0a:
                    pos++;
                    ReadName(ref pos, end);
                    break;
                case 0x0b:
                    pos++;
                    ReadUtf16(ref pos, end);
                    break;
                case 0x00:
                    pos++;
                    return; // end of fragment inside content: tolerate
                default:
                    throw Bad($"unexpected binary XML token 0x{token:x2} in element content", pos);
            }
        }
    }

    // An attribute's value: its parts (text, substitutions, references) until the next token of another kind.
    private string ReadAttributeValue(ref int pos, int end, ReadOnlySpan<Value> values)
    {
        _attribute.Clear();
        while (pos < end)
        {
            string? part;
            var token = U8(pos, end);
            switch (token & 0xBF)
            {
                case 0x05:
                    pos += 2;
                    part = ReadUtf16(ref pos, end);
                    break;
                case 0x08:
                    part = ((char)U16(pos + 1, end)).ToString();
                    pos += 3;
                    break;
                case 0x09:
                    pos++;
                    part = Entity(ReadName(ref pos, end));
                    break;
                case 0x0d:
                case 0x0e:
                    part = TakeSubstitution(ref pos, end, values) is { } v && v.Type != BinXmlValue.BinXml ? Render(v) : null; // binary XML cannot be an attribute value
                    break;
                default:
                    return _attribute.ToString();
            }
            if (part is not null) _attribute.Add(part);
        }
        return _attribute.ToString();
    }

    // Element content's substitution: text, or a binary XML value decoded in place.
    private void Substitute(ref int pos, int end, ReadOnlySpan<Value> values, int depth)
    {
        if (TakeSubstitution(ref pos, end, values) is not { } v) return;
        if (v.Type == BinXmlValue.BinXml)
        {
            var p = v.Offset;
            ReadDocument(ref p, v.Offset + v.Size, [], inSubstitution: true, depth + 1);
            return;
        }
        _handler.Text(Render(v));
    }

    // The value a substitution token names (null: a substitution without a value, which renders as nothing).
    private Value? TakeSubstitution(ref int pos, int end, ReadOnlySpan<Value> values)
    {
        var id = U16(pos + 1, end);
        Spend(pos);
        pos += 4; // token, identifier, value type
        return id < values.Length ? values[id] : null;
    }

    private string Render(Value v) => BinXmlValue.Render(v.Type, chunk.AsSpan(v.Offset, v.Size));

    private void ReadTemplateInstance(ref int pos, int end, int depth)
    {
        if (depth > MaxDepth) throw Bad("template instances nested too deeply", pos);
        Spend(pos);
        Need(pos, 10, end);
        var definition = I32(pos + 6, end);
        pos += 10;
        (int Start, int End) body;
        if (definition == pos)
        {
            // Defined here, inline: next-definition offset, GUID, data size, then the data.
            var size = I32(pos + 20, end);
            Need(pos + 24, size, end);
            body = (pos + 24, pos + 24 + size);
            _templates[definition] = body;
            pos = body.End;
        }
        else if (!_templates.TryGetValue(definition, out body))
        {
            if (definition < 512 || definition + 24 > chunkLength) throw Bad($"template definition offset {definition} out of range", pos);
            var size = I32(definition + 20, chunkLength);
            Need(definition + 24, size, chunkLength);
            body = (definition + 24, definition + 24 + size);
            _templates[definition] = body;
        }

        var count = I32(pos, end);
        pos += 4;
        if (count > MaxValues || count > (end - pos) / 4) throw Bad($"template instance claims {count} values", pos);
        // The values live while the template is read: a pooled array, not one per record (~450 bytes of each record's
        // garbage); the span gives their count, which the rented array may exceed.
        var rented = count == 0 ? null : ArrayPool<Value>.Shared.Rent(count);
        var values = rented.AsSpan(0, count);
        try
        {
            var dataPos = pos + 4 * count;
            for (var i = 0; i < count; i++)
            {
                var size = U16(pos + 4 * i, end);
                var type = U8(pos + 4 * i + 2, end);
                Need(dataPos, size, end);
                values[i] = new Value(dataPos, size, type);
                dataPos += size;
            }
            pos = dataPos;
            var p = body.Start;
            ReadDocument(ref p, body.End, values, inSubstitution: false, depth + 1);
        }
        finally
        {
            if (rented is not null) ArrayPool<Value>.Shared.Return(rented);
        }
    }

    private string ReadName(ref int pos, int end)
    {
        var offset = I32(pos, end);
        pos += 4;
        if (offset == pos)
        {
            var name = NameAt(offset);
            pos += 8 + (U16(offset + 6, chunkLength) + 1) * 2;
            return name;
        }
        return NameAt(offset);
    }

    private string NameAt(int offset)
    {
        if (_names.TryGetValue(offset, out var cached)) return cached;
        var length = U16(offset + 6, chunkLength);
        Need(offset + 8, length * 2, chunkLength);
        var name = Encoding.Unicode.GetString(chunk, offset + 8, length * 2);
        _names[offset] = name;
        return name;
    }

    // Text in the chunk (mostly in template definitions, e.g. each EventData element's Name, read for every record
    // that uses the template): one string per chunk position.
    private string ReadUtf16(ref int pos, int end)
    {
        var count = U16(pos, end);
        Need(pos + 2, count * 2, end);
        if (!_texts.TryGetValue(pos, out var text))
        {
            text = Encoding.Unicode.GetString(chunk, pos + 2, count * 2);
            _texts[pos] = text;
        }
        pos += 2 + count * 2;
        return text;
    }

    private static string Entity(string name) => name switch
    {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "&" + name + ";",
    };
}
