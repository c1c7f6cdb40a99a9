using System.Text;

namespace Sysmon.Elastic.Worker;

/// <summary>
/// A piece of a tailed file written in UTF-16 (Windows PowerShell's `>` and Out-File write so) as the UTF-8 text the
/// readers take, and the way back from a cut in that text to the file's bytes, where the checkpoint counts. Read as
/// bytes, every record of such a file was rejected (`ingest` transcodes it).
/// </summary>
internal static class Utf16Piece
{
    /// <summary>The piece's whole code units as UTF-8 (the byte-order mark left out when the piece starts the file).</summary>
    public static byte[] ToUtf8(ReadOnlySpan<byte> piece, Encoding utf16, bool startsFile)
    {
        var units = piece[(startsFile ? 2 : 0)..];
        return Encoding.UTF8.GetBytes(utf16.GetString(units[..(units.Length & ~1)]));
    }

    /// <summary>The file bytes that the first <paramref name="cut"/> bytes of <paramref name="utf8"/> came from: two
    /// per UTF-16 code unit (a character outside the BMP is two units and two UTF-8 chars), plus the mark.</summary>
    public static int FileBytes(ReadOnlySpan<byte> utf8, int cut, bool startsFile) =>
        (startsFile ? 2 : 0) + Encoding.UTF8.GetCharCount(utf8[..cut]) * 2;
}
