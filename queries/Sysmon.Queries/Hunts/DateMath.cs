using System.Globalization;
using System.Text;

namespace Sysmon.Queries.Hunts;

/// <summary>
/// Elasticsearch's date math for a hunt's time parameters: <c>now-24h</c>, <c>now-7d/d</c> (midnight seven days
/// ago), <c>2026-01-01||+1M</c>. A responder asks for "the last day" far more often than for a timestamp, and a
/// scheduled hunt with <c>from now-1d</c> looks at the last day at every run instead of at the whole store.
/// Units as in Elasticsearch: y, M (months), w, d, h or H, m (minutes), s; <c>/unit</c> rounds down.
/// </summary>
public sealed record DateMath(DateTimeOffset? Anchor, IReadOnlyList<(int Amount, char Unit)> Steps, char? RoundTo)
{
    private const string Units = "yMwdhHms";

    /// <summary>Reads <c>now…</c> or <c>DATE||…</c>; false for anything else (a plain date is not date math).</summary>
    public static bool TryParse(string text, out DateMath math)
    {
        math = null!;
        var s = text.Trim();
        DateTimeOffset? anchor = null;
        int i;
        if (s.StartsWith("now", StringComparison.Ordinal)) i = 3;
        else if (s.IndexOf("||", StringComparison.Ordinal) is var bars and > 0
                 && DateTimeOffset.TryParse(s[..bars], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
        {
            anchor = date;
            i = bars + 2;
        }
        else return false;

        var steps = new List<(int, char)>();
        char? round = null;
        while (i < s.Length)
        {
            var op = s[i++];
            if (op == '/')
            {
                if (i != s.Length - 1 || !Units.Contains(s[i], StringComparison.Ordinal)) return false;
                round = s[i++];
                continue;
            }
            if (op is not ('+' or '-') || round is not null) return false;
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            // Elasticsearch takes "now-d" as one day.
            var amount = i == start ? 1 : int.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
            if (amount < 0 || i >= s.Length || !Units.Contains(s[i], StringComparison.Ordinal)) return false;
            steps.Add((op == '-' ? -amount : amount, s[i++]));
        }
        math = new DateMath(anchor, steps, round);
        return true;
    }

    /// <summary>The time this names, with <paramref name="now"/> for <c>now</c>; always UTC.</summary>
    public DateTimeOffset Resolve(DateTimeOffset now)
    {
        var t = (Anchor ?? now).ToUniversalTime();
        foreach (var (amount, unit) in Steps)
        {
            t = unit switch
            {
                'y' => t.AddYears(amount),
                'M' => t.AddMonths(amount),
                'w' => t.AddDays(7.0 * amount),
                'd' => t.AddDays(amount),
                'h' or 'H' => t.AddHours(amount),
                'm' => t.AddMinutes(amount),
                _ => t.AddSeconds(amount),
            };
        }
        return RoundTo is { } r ? RoundDown(t, r) : t;
    }

    /// <summary>The same time as an ES|QL expression (<c>NOW() - 7 days</c>), so that a query written out for Kibana
    /// keeps meaning "the last week" instead of the week before it was written.</summary>
    public string ToEsql()
    {
        var sql = new StringBuilder(Anchor is { } a ? InlinedQuery.TimeLiteral(a) : "NOW()");
        foreach (var (amount, unit) in Steps)
        {
            sql.Append(amount < 0 ? " - " : " + ").Append(Math.Abs(amount).ToString(CultureInfo.InvariantCulture)).Append(' ').Append(SpanUnit(unit));
        }
        return RoundTo is { } r ? $"DATE_TRUNC(1 {SpanUnit(r)}, {sql})" : sql.ToString();
    }

    private static string SpanUnit(char unit) => unit switch
    {
        'y' => "year",
        'M' => "month",
        'w' => "week",
        'd' => "day",
        'h' or 'H' => "hour",
        'm' => "minute",
        _ => "second",
    };

    // Down to the start of the unit; a week starts on Monday, as in Elasticsearch.
    private static DateTimeOffset RoundDown(DateTimeOffset t, char unit) => unit switch
    {
        'y' => new DateTimeOffset(t.Year, 1, 1, 0, 0, 0, TimeSpan.Zero),
        'M' => new DateTimeOffset(t.Year, t.Month, 1, 0, 0, 0, TimeSpan.Zero),
        'w' => new DateTimeOffset(t.Date, TimeSpan.Zero).AddDays(-(((int)t.DayOfWeek + 6) % 7)),
        'd' => new DateTimeOffset(t.Date, TimeSpan.Zero),
        'h' or 'H' => new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero),
        'm' => new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero),
        _ => new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, TimeSpan.Zero),
    };
}
