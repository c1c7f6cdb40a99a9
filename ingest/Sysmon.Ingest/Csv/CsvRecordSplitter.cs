using System.Text;

namespace Sysmon.Ingest.Csv;

/// <summary>
/// RFC 4180 records in bytes: a record ends at a line break outside quotes (a quoted field holds line breaks, as the
/// rendered message of an event log export does), and <c>""</c> inside quotes is one quote.
/// </summary>
internal static class CsvRecordSplitter
{
    /// <summary>The length of the first record in <paramref name="data"/>, its line break included; -1 when it does
    /// not end within <paramref name="data"/>.</summary>
    public static int RecordLength(ReadOnlySpan<byte> data)
    {
        var quoted = false;
        for (var i = 0; i < data.Length; i++)
        {
            var at = data[i..].IndexOfAny((byte)'"', (byte)'\n');
            if (at < 0) return -1;
            i += at;
            if (data[i] == (byte)'"') quoted = !quoted; // "" inside quotes toggles twice
            else if (!quoted) return i + 1;
        }
        return -1;
    }

    /// <summary>The fields of one record (without its line break). Null and a reason when a quote is not closed or
    /// text follows a closing quote.</summary>
    public static List<string>? Fields(ReadOnlySpan<byte> record, byte delimiter, out string? error)
    {
        error = null;
        if (record.EndsWith("\n"u8)) record = record[..^1];
        if (record.EndsWith("\r"u8)) record = record[..^1];
        var fields = new List<string>(32);
        var i = 0;
        while (true)
        {
            if (i < record.Length && record[i] == (byte)'"')
            {
                var start = i + 1;
                var escaped = false;
                var j = start;
                while (true)
                {
                    var q = j < record.Length ? record[j..].IndexOf((byte)'"') : -1;
                    if (q < 0)
                    {
                        error = $"field {fields.Count + 1}: a quoted value is not closed";
                        return null;
                    }
                    j += q;
                    if (j + 1 < record.Length && record[j + 1] == (byte)'"')
                    {
                        escaped = true;
                        j += 2;
                        continue;
                    }
                    break;
                }
                var value = Encoding.UTF8.GetString(record[start..j]);
                fields.Add(escaped ? value.Replace("\"\"", "\"", StringComparison.Ordinal) : value);
                i = j + 1;
                if (i == record.Length) return fields;
                if (record[i] != delimiter)
                {
                    error = $"field {fields.Count}: text after the closing quote";
                    return null;
                }
                i++;
                continue;
            }
            var end = record[i..].IndexOf(delimiter);
            if (end < 0)
            {
                fields.Add(Encoding.UTF8.GetString(record[i..]));
                return fields;
            }
            fields.Add(Encoding.UTF8.GetString(record.Slice(i, end)));
            i += end + 1;
        }
    }
}
