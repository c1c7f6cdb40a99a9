using System.Text;

namespace Sysmon.Queries.Esql;

/// <summary>
/// ES|QL's string, number, date and multi-value functions as DuckDB SQL, for <see cref="DuckDbTranslator"/>: the
/// functions hunts are written with (STARTS_WITH, DATE_EXTRACT, MV_COUNT, ...) were "not in the supported subset".
/// Arguments arrive translated; <c>constant</c> gives an argument's text when it is a string literal or parameter
/// (a date part, a pattern), and <c>isList</c> tells a multi-valued (list) argument from a single value.
/// </summary>
public static class ScalarFunctions
{
    /// <summary>The SQL of <paramref name="c"/>, or null when it is none of these functions.</summary>
    public static string? Sql(Call c, IReadOnlyList<string> args, Func<Expr, string?> constant, Func<Expr, bool> isList)
    {
        string Arity(int count, string sql) => args.Count == count ? sql : throw Takes(c, count == 1 ? "one argument" : $"{count} arguments");
        string A(int i) => i < args.Count ? args[i] : throw Takes(c, $"{i + 1} arguments");
        string Constant(int i, string what) =>
            (i < c.Args.Count ? constant(c.Args[i]) : null) ?? throw new EsqlException($"{c.Function} takes {what} as a string here", c.Position);
        var list = c.Args.Count > 0 && isList(c.Args[0]);
        string AsList(int i) => isList(c.Args[i]) ? $"coalesce({A(i)}, [])" : $"(CASE WHEN {A(i)} IS NULL THEN [] ELSE [{A(i)}] END)";
        return c.Function switch
        {
            "STARTS_WITH" => Arity(2, $"starts_with({A(0)}, {A(1)})"),
            "ENDS_WITH" => Arity(2, $"ends_with({A(0)}, {A(1)})"),
            "LOCATE" => Arity(2, $"strpos({A(0)}, {A(1)})"), // 1-based, 0 when absent, as in ES|QL
            // ES|QL trims whitespace; DuckDB's trim() only spaces.
            "TRIM" => Arity(1, $"regexp_replace({A(0)}, '^\\s+|\\s+$', '', 'g')"),
            "LTRIM" => Arity(1, $"regexp_replace({A(0)}, '^\\s+', '')"),
            "RTRIM" => Arity(1, $"regexp_replace({A(0)}, '\\s+$', '')"),
            "REPLACE" => Arity(3, $"regexp_replace({A(0)}, {Pattern(c, args, constant)}, {Replacement(c.Args[2], args[2], constant)}, 'g')"),
            "SPLIT" => Arity(2, $"string_split({A(0)}, {A(1)})"),
            "LEFT" => Arity(2, $"left({A(0)}, {A(1)})"),
            "RIGHT" => Arity(2, $"right({A(0)}, {A(1)})"),
            "REVERSE" => Arity(1, $"reverse({A(0)})"),
            "SPACE" => Arity(1, $"repeat(' ', {A(0)})"),
            "ABS" => Arity(1, $"abs({A(0)})"),
            "FLOOR" => Arity(1, $"floor({A(0)})"),
            "CEIL" => Arity(1, $"ceil({A(0)})"),
            "ROUND" when args.Count == 1 => $"round({A(0)})",
            "ROUND" => Arity(2, $"round({A(0)}, {A(1)})"),
            // A value that does not convert is null (ES|QL adds a warning), not an error that fails the query.
            "TO_LONG" => Arity(1, $"TRY_CAST({A(0)} AS BIGINT)"),
            "TO_INTEGER" => Arity(1, $"TRY_CAST({A(0)} AS INTEGER)"),
            "TO_DOUBLE" => Arity(1, $"TRY_CAST({A(0)} AS DOUBLE)"),
            "DATE_EXTRACT" => Arity(2, DateExtract(c, Constant(0, "the date part"), A(1))),
            "DATE_FORMAT" when args.Count == 1 => $"strftime({A(0)}, '%Y-%m-%dT%H:%M:%S.%gZ')",
            "DATE_FORMAT" => Arity(2, $"strftime({A(1)}, '{JavaDatePattern.ToStrftime(Constant(0, "the pattern"), c.Position).Replace("'", "''", StringComparison.Ordinal)}')"),
            "DATE_DIFF" => Arity(3, $"date_sub('{DiffUnit(c, Constant(0, "the unit"))}', {A(1)}, {A(2)})"),
            // Multi-values are DuckDB lists; a single value is a multi-value of one.
            "MV_COUNT" => Arity(1, list ? $"len({A(0)})" : $"CASE WHEN {A(0)} IS NULL THEN NULL ELSE 1 END"),
            "MV_FIRST" => Arity(1, list ? $"{A(0)}[1]" : A(0)),
            "MV_LAST" => Arity(1, list ? $"{A(0)}[-1]" : A(0)),
            "MV_MIN" => Arity(1, list ? $"list_min({A(0)})" : A(0)),
            "MV_MAX" => Arity(1, list ? $"list_max({A(0)})" : A(0)),
            "MV_DEDUPE" => Arity(1, list ? $"list_distinct({A(0)})" : A(0)),
            "MV_CONCAT" => Arity(2, list ? $"array_to_string({A(0)}, {A(1)})" : $"CAST({A(0)} AS VARCHAR)"),
            // Every value of the second in the first; null is the empty set (so MV_CONTAINS(x, null) is true).
            "MV_CONTAINS" => Arity(2, $"list_has_all({AsList(0)}, {AsList(1)})"),
            _ => null,
        };
    }

    /// <summary>Functions whose result is multi-valued, for the translator's tracking of list columns.</summary>
    public static bool ReturnsList(string function) => function is "SPLIT" or "MV_DEDUPE" or "VALUES" or "TOP";

    private static EsqlException Takes(Call c, string what) => new($"{c.Function} takes {what}", c.Position);

    // java.time.temporal.ChronoField names (as ES|QL takes them) and DuckDB's date parts.
    private static string DateExtract(Call c, string part, string date) => part.ToLowerInvariant() switch
    {
        "year" => $"year({date})",
        "month_of_year" => $"month({date})",
        "day_of_month" => $"day({date})",
        "day_of_week" => $"isodow({date})", // Monday 1 to Sunday 7, as java.time
        "day_of_year" => $"dayofyear({date})",
        "hour_of_day" => $"hour({date})",
        "minute_of_hour" => $"minute({date})",
        "second_of_minute" => $"second({date})",
        "milli_of_second" => $"(millisecond({date}) % 1000)",
        "micro_of_second" => $"(microsecond({date}) % 1000000)",
        "minute_of_day" => $"(hour({date}) * 60 + minute({date}))",
        "second_of_day" => $"(hour({date}) * 3600 + minute({date}) * 60 + second({date}))",
        "epoch_day" => $"CAST(floor(epoch({date}) / 86400) AS BIGINT)",
        "instant_seconds" => $"CAST(floor(epoch({date})) AS BIGINT)",
        _ => throw new EsqlException($"DATE_EXTRACT: date part '{part}' is not supported here (year, month_of_year, day_of_month, " +
            "day_of_week, day_of_year, hour_of_day, minute_of_hour, second_of_minute, milli_of_second, micro_of_second, minute_of_day, " +
            "second_of_day, epoch_day, instant_seconds)", c.Position),
    };

    // DATE_DIFF counts whole units from start to end (10:59 to 11:01 is 0 hours), as DuckDB's date_sub does; its
    // date_diff counts the boundaries crossed (1 hour) instead.
    private static string DiffUnit(Call c, string unit) => unit.ToLowerInvariant() switch
    {
        "year" or "years" or "yy" or "yyyy" => "year",
        "quarter" or "quarters" or "qq" or "q" => "quarter",
        "month" or "months" or "mm" or "m" => "month",
        "week" or "weeks" or "wk" or "ww" => "week",
        "day" or "days" or "dd" or "d" or "dayofyear" or "dy" or "y" or "weekday" or "weekdays" or "dw" => "day",
        "hour" or "hours" or "hh" => "hour",
        "minute" or "minutes" or "mi" or "n" => "minute",
        "second" or "seconds" or "ss" or "s" => "second",
        "millisecond" or "milliseconds" or "ms" => "millisecond",
        "microsecond" or "microseconds" or "mcs" => "microsecond",
        _ => throw new EsqlException($"DATE_DIFF: unit '{unit}' is not supported here (year, quarter, month, week, day, hour, minute, " +
            "second, millisecond, microsecond)", c.Position),
    };

    // REPLACE's pattern is a Java regular expression: a constant one is written in RE2's spelling.
    private static string Pattern(Call c, IReadOnlyList<string> args, Func<Expr, string?> constant) =>
        constant(c.Args[1]) is { } java ? DuckDbTranslator.LiteralSql(JavaRegex.ToRe2(java, c.Position)) : args[1];

    // REPLACE's replacement is Java's: $1 names a group and \ escapes the next character. DuckDB's (RE2) names a
    // group \1 and needs \\ for a backslash. A replacement that is not a constant goes as it is.
    private static string Replacement(Expr arg, string sql, Func<Expr, string?> constant)
    {
        if (constant(arg) is not { } java) return sql;
        var re2 = new StringBuilder();
        for (var i = 0; i < java.Length; i++)
        {
            var ch = java[i];
            if (ch == '\\' && i + 1 < java.Length) ch = java[++i]; // the escaped character, itself
            else if (ch == '$' && i + 1 < java.Length && char.IsAsciiDigit(java[i + 1]))
            {
                re2.Append('\\').Append(java[++i]);
                continue;
            }
            re2.Append(ch == '\\' ? "\\\\" : ch.ToString());
        }
        return "'" + re2.ToString().Replace("'", "''", StringComparison.Ordinal) + "'";
    }
}
