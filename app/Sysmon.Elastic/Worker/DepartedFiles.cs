namespace Sysmon.Elastic.Worker;

/// <summary>
/// Where the worker had got to in tailed files that left their name: renamed away by rotation (sysmon.json to
/// sysmon.json.1), replaced, or truncated after a copy (copytruncate). A file that turns up with the same first bytes
/// is that file, or a copy of it, and is read on from the old offset: without this the records written after the last
/// scan and before the rename were in the rotated file only, which the worker never read (up to a poll interval's
/// worth at every rotation). Kept in memory only: after a restart such a file is read from its start, and the
/// records already stored are skipped by id.
/// </summary>
internal sealed class DepartedFiles
{
    private const int Kept = 1000;

    private readonly List<(long Offset, string Head, int HeadLength)> _departed = [];

    /// <summary>Remembers a tailed file's committed position as it leaves its name.</summary>
    public void Add(FileCheckpoint checkpoint)
    {
        if (checkpoint is not { Offset: > 0, Head: { } head }) return;
        _departed.Add((checkpoint.Offset, head, checkpoint.HeadLength));
        if (_departed.Count > Kept) _departed.RemoveAt(0);
    }

    /// <summary>The departed position that a new file of <paramref name="length"/> bytes starting with
    /// <paramref name="head"/> goes on from (the latest that matches), taken out of the list; null when none does.</summary>
    public (long Offset, string Head, int HeadLength)? Take(FileHead head, long length)
    {
        for (var i = _departed.Count - 1; i >= 0; i--)
        {
            var d = _departed[i];
            if (length < d.Offset || head.Hash(d.HeadLength) != d.Head) continue;
            _departed.RemoveAt(i);
            return d;
        }
        return null;
    }
}
