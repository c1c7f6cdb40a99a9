using System.Text;

namespace Sysmon.Ingest.Evtx;

/// <summary>
/// The text of an element or attribute as its parts arrive. Nearly always there is one part (a substitution value),
/// and that string is the text itself; only several parts are joined, so no value is copied twice.
/// </summary>
internal sealed class TextParts
{
    private readonly StringBuilder _joined = new(256);
    private string? _single;

    public void Clear()
    {
        _single = null;
        _joined.Clear();
    }

    public void Add(string part)
    {
        if (_single is null && _joined.Length == 0)
        {
            _single = part;
            return;
        }
        if (_single is not null)
        {
            _joined.Append(_single);
            _single = null;
        }
        _joined.Append(part);
    }

    public override string ToString() => _single ?? _joined.ToString();
}
