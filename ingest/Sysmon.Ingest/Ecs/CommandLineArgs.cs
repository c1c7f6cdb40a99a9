using System.Text;

namespace Sysmon.Ingest.Ecs;

/// <summary>
/// Splits a Windows command line into argv with the pre-2008 msvcrt rules, as Elastic does for process.args:
/// 2n backslashes + quote give n backslashes and toggle quoting; 2n+1 give n backslashes and a literal quote;
/// a doubled quote inside quotes gives one literal quote and ends the quoted section.
/// </summary>
public static class CommandLineArgs
{
    public static List<string> Split(string commandLine)
    {
        var args = new List<string>(4);
        var s = commandLine;
        var n = s.Length;
        var i = SkipBlanks(s, 0);
        var sb = new StringBuilder(Math.Min(n, 256));
        while (i < n)
        {
            sb.Clear();
            var inQuotes = false;
            while (i < n)
            {
                var c = s[i];
                if (!inQuotes && (c == ' ' || c == '\t')) break;
                if (c == '\\')
                {
                    var j = i;
                    while (j < n && s[j] == '\\') j++;
                    var count = j - i;
                    if (j < n && s[j] == '"')
                    {
                        sb.Append('\\', count / 2);
                        if (count % 2 == 1)
                        {
                            sb.Append('"');
                            i = j + 1;
                        }
                        else
                        {
                            i = j; // the quote is processed as a quote
                        }
                    }
                    else
                    {
                        sb.Append('\\', count);
                        i = j;
                    }
                    continue;
                }
                if (c == '"')
                {
                    if (inQuotes && i + 1 < n && s[i + 1] == '"')
                    {
                        sb.Append('"');
                        i += 2;
                        inQuotes = false;
                        continue;
                    }
                    inQuotes = !inQuotes;
                    i++;
                    continue;
                }
                sb.Append(c);
                i++;
            }
            args.Add(sb.ToString());
            i = SkipBlanks(s, i);
        }
        return args;
    }

    private static int SkipBlanks(string s, int i)
    {
        while (i < s.Length && (s[i] == ' ' || s[i] == '\t')) i++;
        return i;
    }
}
