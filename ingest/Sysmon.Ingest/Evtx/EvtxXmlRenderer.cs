using System.Security;
using System.Text;

namespace Sysmon.Ingest.Evtx;

/// <summary>Renders a record's binary XML as event XML text (for event.original); not on the hot path.</summary>
internal sealed class EvtxXmlRenderer : IBinXmlHandler
{
    private readonly StringBuilder _sb = new();
    private readonly Stack<string> _open = new();
    private bool _startTagOpen;

    public static string Render(byte[] chunk, int start, int end)
    {
        var renderer = new EvtxXmlRenderer();
        new BinXmlDecoder(chunk, chunk.Length).Decode(start, end, renderer);
        return renderer._sb.ToString();
    }

    private void CloseStartTag()
    {
        if (_startTagOpen) _sb.Append('>');
        _startTagOpen = false;
    }

    public void StartElement(string name)
    {
        CloseStartTag();
        _sb.Append('<').Append(name);
        if (_open.Count == 0 && name == "Event") _sb.Append(" xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"");
        _open.Push(name);
        _startTagOpen = true;
    }

    public void Attribute(string name, string value) =>
        _sb.Append(' ').Append(name).Append("=\"").Append(SecurityElement.Escape(value)).Append('"');

    public void Text(string text)
    {
        CloseStartTag();
        _sb.Append(SecurityElement.Escape(text));
    }

    public void EndElement()
    {
        var name = _open.Pop();
        if (_startTagOpen)
        {
            _sb.Append("/>");
            _startTagOpen = false;
            return;
        }
        _sb.Append("</").Append(name).Append('>');
    }
}
