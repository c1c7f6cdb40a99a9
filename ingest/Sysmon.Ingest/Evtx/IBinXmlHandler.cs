namespace Sysmon.Ingest.Evtx;

/// <summary>Receives the XML that binary XML decodes to, as a stream of calls (no tree is built).</summary>
internal interface IBinXmlHandler
{
    void StartElement(string name);

    /// <summary>An attribute of the element just started; the value is decoded text (entities resolved).</summary>
    void Attribute(string name, string value);

    /// <summary>Character content of the current element (may come in several pieces).</summary>
    void Text(string text);

    void EndElement();
}
