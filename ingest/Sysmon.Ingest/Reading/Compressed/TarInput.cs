using System.Formats.Tar;
using System.Runtime.CompilerServices;
using Sysmon.Ingest.Pipeline;

namespace Sysmon.Ingest.Reading.Compressed;

/// <summary>
/// Tar archives, usually gzip-compressed (.tar.gz, .tgz): how Linux collections (UAC, hand-made tarballs of
/// /var/log) arrive. Read front to back, so a tar can come through a pipe; each regular file with a known extension
/// is read as a file of its own.
/// </summary>
public static class TarInput
{
    /// <summary>True when <paramref name="head"/> starts a POSIX (ustar, pax or GNU) tar archive.</summary>
    public static bool IsTar(ReadOnlySpan<byte> head) => head.Length >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8);

    /// <summary>The archive's regular files in order; each entry's data must be read before the next is asked for.
    /// A damaged archive ends with an entry holding the problem.</summary>
    public static async IAsyncEnumerable<ArchiveEntry> EntriesAsync(Stream stream, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var reader = new TarReader(stream, leaveOpen: true);
        var last = "(start of archive)";
        while (true)
        {
            TarEntry? entry = null;
            string? problem = null;
            try
            {
                entry = await reader.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException or CorruptInputException)
            {
                problem = $"tar archive is damaged after {last}: {ex.Message}";
            }
            if (problem is not null)
            {
                yield return new ArchiveEntry(last, null, problem);
                yield break;
            }
            if (entry is null) yield break;
            last = entry.Name;
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)) continue;
            yield return InputFiles.IsKnown(entry.Name)
                ? new ArchiveEntry(entry.Name, entry.DataStream ?? Stream.Null, null)
                : new ArchiveEntry(entry.Name, null, null);
        }
    }
}
