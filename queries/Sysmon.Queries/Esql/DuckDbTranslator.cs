using System.Globalization;
using System.Text;

namespace Sysmon.Queries.Esql;

/// <summary>
/// Translates a parsed ES|QL query to one DuckDB SQL statement: each command is a CTE over the previous one, the
/// columns are tracked so output names and order are ES|QL's (STATS: aggregates, then groups; EVAL appends; KEEP
/// orders), SORT's order survives later commands through a hidden row number, and a query without LIMIT gets
/// ES|QL's default LIMIT 1000. Works over any table whose columns carry ES field names.
/// </summary>
/// <param name="resolve">The table an index pattern stands for, or null when it names nothing (see <see cref="IndexPatterns"/>).</param>
/// <param name="knownIndices">The names the store answers to, for the error when a FROM names none.</param>
public sealed class DuckDbTranslator(Func<string, SourceTable?> resolve, IReadOnlyDictionary<string, object?>? parameters = null,
    Func<string, EnrichPolicy?>? policies = null, string knownIndices = "")
{
    public const int DefaultLimit = 1000;

    /// <summary>ES|QL returns at most this many rows whatever the LIMIT (a LIMIT inside the query, before a STATS say,
    /// still counts in full). A LIMIT 1000000 here read a million whole events into the result's memory.</summary>
    public const int MaxRows = 10_000;

    // Computed columns a result may show before the whole-rows table is read instead: each is a parse of the document
    // of its own in the source table, whose memory DuckDB holds for a whole vector of rows.
    private const int MaxComputedColumns = 8;
    private const string Order = "__esql_order";
    // DuckDB's integer types as typeof() names them: the types are not known here, but typeof() of a column is folded
    // to a constant when DuckDB plans the query.
    private const string IntegerTypes = "('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT')";
    private readonly IReadOnlyDictionary<string, object?> _parameters = parameters ?? new Dictionary<string, object?>();
    private IReadOnlyList<string> _json = [];
    // Columns holding multi-values (DuckDB lists), for the MV_ functions: the source's, then as EVAL, STATS, RENAME,
    // MV_EXPAND and ENRICH change them.
    private HashSet<string> _lists = [];
    private List<string> _allColumns = [];
    private Func<string, IReadOnlyList<string>>? _jsonKeys;

    /// <summary>What the last translation may have to warn about, each with a query that tells whether it does: an
    /// operator over a multi-valued column gives null where a row reaching it has several values, and ES|QL warns
    /// then (only then: event.type == "start" over process events alone has nothing to say).</summary>
    public IReadOnlyList<WarningProbe> WarningProbes => _probes;

    private readonly List<WarningProbe> _probes = [];
    // The probes' pending form: the steps before the operator's, and the rows it reads.
    private readonly List<(string Warning, int Steps, string Input, string Expression)> _pendingProbes = [];
    private List<string> _steps = [];
    // Where an expression being translated reads its rows, when not from the last step (a WHERE moved before a SORT).
    private string? _rowsOverride;

    public string Translate(string esql) => Translate(Parser.Parse(esql));

    public string Translate(EsqlQuery query)
    {
        _probes.Clear();
        _pendingProbes.Clear();
        var steps = _steps = [];
        List<string> columns = [];
        var ordered = false;
        var limited = false;
        string Prev() => "s" + (steps.Count - 1).ToString(CultureInfo.InvariantCulture);
        void Step(string sql) => steps.Add(sql);
        string Hidden() => ordered ? ", " + Quote(Order) : "";
        // The SORT just translated, if no command since has changed its rows: a LIMIT then makes one top-N step of the
        // two (see PendingSort).
        PendingSort? sortToLimit = null;

        WholeRowsSource? wholeRows = null;
        Func<string, string> fromStep = table => $"SELECT * FROM {table}";
        foreach (var command in query.Commands)
        {
            var afterSort = sortToLimit;
            sortToLimit = null;
            switch (command)
            {
                case From from:
                {
                    var source = IndexPatterns.Resolve(from, resolve, knownIndices);
                    var metadata = Metadata(from, source);
                    wholeRows = source.WholeRows;
                    columns = [.. source.Columns, .. metadata.Select(m => m.Name)];
                    _allColumns = [.. columns, .. source.HiddenColumns ?? []];
                    _json = source.JsonColumns ?? [];
                    _lists = [.. source.ListColumns ?? []];
                    _jsonKeys = source.JsonKeys;
                    var extra = string.Concat(metadata.Select(m => $", {m.Sql} AS {Quote(m.Name)}"));
                    fromStep = table => $"SELECT *{extra} FROM {table}";
                    Step(fromStep(source.Table));
                    break;
                }
                case Row row:
                {
                    // Constants only: a ROW's values see no columns (not even each other), as in ES|QL.
                    var values = row.Assignments.Select(a => $"{Sql(a.Value, [])} AS {Quote(a.Name)}").ToList();
                    columns = row.Assignments.Select(a => a.Name).Distinct().ToList();
                    if (columns.Count != row.Assignments.Count) throw new EsqlException("ROW names a column twice", row.Position);
                    _allColumns = [.. columns];
                    Step("SELECT " + string.Join(", ", values));
                    break;
                }
                case Where where when afterSort is { } sortedBefore && sortedBefore.Step == steps.Count - 1:
                {
                    // Right after a SORT, the filter goes before it (the same rows in the same order), so that the rows
                    // numbered are only those kept, and a LIMIT after it still makes one top-N step.
                    _rowsOverride = sortedBefore.Input;
                    try
                    {
                        sortToLimit = sortedBefore with { Input = $"(SELECT * FROM {sortedBefore.Input} WHERE {Sql(where.Condition, columns)})" };
                    }
                    finally
                    {
                        _rowsOverride = null;
                    }
                    steps[sortedBefore.Step] = sortToLimit.Numbered();
                    break;
                }
                case Where where:
                    Step($"SELECT * FROM {Prev()} WHERE {Sql(where.Condition, columns)}");
                    break;
                case Eval eval:
                    foreach (var (name, value) in eval.Assignments)
                    {
                        var expression = Sql(value, columns);
                        // An IP field given a new value loses its numeric twin, which would still be the old value's
                        // (CIDR_MATCH and address comparisons read it); given itself (x = TO_IP(x)) it keeps it.
                        var same = ToIp.IpField(value, columns)?.Name == name;
                        var kept = columns.Where(c => c != name && (same || c != IpNumbers.TwinOf(name))).ToList();
                        Step($"SELECT {List(kept)}{(kept.Count > 0 ? ", " : "")}{expression} AS {Quote(name)}{Hidden()} FROM {Prev()}");
                        columns = [.. kept, name];
                        if (IsList(value)) _lists.Add(name);
                        else _lists.Remove(name);
                    }
                    break;
                case Stats { Inline: true } inline:
                {
                    // Each row keeps its columns and gets its group's aggregates: the STATS of the rows, joined back to
                    // them on the group keys (null keys meet, as ES|QL groups nulls together).
                    var keys = inline.By.Select((g, i) => (g.Name, Sql: Sql(g.Group, columns), Key: Quote("__k" + i.ToString(CultureInfo.InvariantCulture)))).ToList();
                    if (inline.By.Any(g => IsList(g.Group))) throw new EsqlException("INLINE STATS BY a multi-valued column is not supported here: MV_EXPAND it first", inline.Position);
                    var aggregates = inline.Aggregates.Select(a => $"{Aggregate(a.Aggregate, columns)} AS {Quote(a.Name)}");
                    var grouped = $"SELECT {string.Join(", ", aggregates.Concat(keys.Select(k => $"{k.Sql} AS {k.Key}")))} FROM {Prev()}" +
                                  (keys.Count == 0 ? "" : " GROUP BY " + string.Join(", ", keys.Select(k => k.Sql)));
                    var rows = $"SELECT *{string.Concat(keys.Select(k => $", {k.Sql} AS {k.Key}"))} FROM {Prev()}";
                    var on = keys.Count == 0 ? "TRUE" : string.Join(" AND ", keys.Select(k => $"r.{k.Key} IS NOT DISTINCT FROM a.{k.Key}"));
                    var made = inline.Aggregates.Select(a => a.Name).Concat(inline.By.Select(g => g.Name)).Distinct().ToList();
                    var kept = columns.Where(c => !made.Contains(c)).ToList();
                    // A group named as an aggregate is shown once, as the aggregate.
                    var shownKeys = keys.Where(k => !inline.Aggregates.Any(a => a.Name == k.Name)).ToList();
                    var select = kept.Select(c => "r." + Quote(c))
                        .Concat(inline.Aggregates.Select(a => "a." + Quote(a.Name)))
                        .Concat(shownKeys.Select(k => $"r.{k.Key} AS {Quote(k.Name)}"));
                    Step($"SELECT {string.Join(", ", select)}{(ordered ? ", r." + Quote(Order) : "")} FROM ({rows}) r LEFT JOIN ({grouped}) a ON {on}");
                    var lists = inline.Aggregates.Where(a => IsList(a.Aggregate)).Select(a => a.Name).ToList();
                    columns = [.. kept, .. inline.Aggregates.Select(a => a.Name), .. shownKeys.Select(k => k.Name)];
                    _lists.ExceptWith(made);
                    _lists.UnionWith(lists);
                    break;
                }
                case Stats stats:
                {
                    // STATS drops the order: a SORT still pending is not numbered at all (it held every row for nothing).
                    if (afterSort is { } unsorted) steps[unsorted.Step] = unsorted.Unnumbered();
                    var select = stats.Aggregates.Select(a => $"{Aggregate(a.Aggregate, columns)} AS {Quote(a.Name)}")
                        .Concat(stats.By.Select(g => $"{Sql(g.Group, columns)} AS {Quote(g.Name)}")).ToList();
                    var group = stats.By.Count == 0 ? "" : " GROUP BY " + string.Join(", ", stats.By.Select(g => Sql(g.Group, columns)));
                    Step($"SELECT {string.Join(", ", select)} FROM {Prev()}{group}");
                    columns = [.. stats.Aggregates.Select(a => a.Name), .. stats.By.Select(g => g.Name)];
                    _lists = [.. stats.Aggregates.Where(a => IsList(a.Aggregate)).Select(a => a.Name)];
                    ordered = false;
                    break;
                }
                case Sort sort:
                {
                    // ES|QL: ascending sorts put nulls last, descending ones first, unless NULLS says otherwise.
                    var keys = sort.Keys.Select(k => $"{Sql(k.Key, columns)} {(k.Descending ? "DESC" : "ASC")} NULLS {((k.NullsFirst ?? k.Descending) ? "FIRST" : "LAST")}");
                    sortToLimit = new PendingSort(steps.Count, string.Join(", ", keys), [.. columns], Prev());
                    Step(sortToLimit.Numbered());
                    ordered = true;
                    break;
                }
                case Limit limit:
                    if (afterSort is { Expands: false } sorted)
                    {
                        steps[sorted.Step] = sorted.TopN(limit.Count);
                    }
                    else
                    {
                        // After an MV_EXPAND, n rows come from at most the first n sorted ones (each gives one or more).
                        if (afterSort is { } expanded) steps[expanded.Step] = expanded.TopN(limit.Count);
                        Step($"SELECT * FROM {Prev()}{(ordered ? $" ORDER BY {Quote(Order)}" : "")} LIMIT {limit.Count.ToString(CultureInfo.InvariantCulture)}");
                    }
                    limited = true;
                    break;
                case Enrich enrich:
                {
                    var policy = policies?.Invoke(enrich.Policy) ?? throw new EsqlException($"ENRICH: no enrich policy '{enrich.Policy}'", enrich.Position);
                    var on = enrich.On ?? policy.MatchField;
                    if (!columns.Contains(on)) throw new EsqlException($"ENRICH: unknown column '{on}'{NameSuggestions.DidYouMean(on, columns)}", enrich.Position);
                    var number = IpNumbers.TwinOf(on);
                    if (policy.NeedsIpNumber && !columns.Contains(number))
                    {
                        throw new EsqlException($"ENRICH {enrich.Policy} ON {on}: this range policy needs an IP field with a numeric twin ({number})", enrich.Position);
                    }
                    var with = enrich.With.Count > 0 ? enrich.With : policy.EnrichFields.Select(f => (f, f)).ToList();
                    foreach (var (_, field) in with)
                    {
                        if (!policy.EnrichFields.Contains(field)) throw new EsqlException($"ENRICH {enrich.Policy}: no enrich field '{field}'", enrich.Position);
                    }
                    var condition = policy.Condition.Replace("{value}", "p." + Quote(on), StringComparison.Ordinal)
                        .Replace("{number}", "p." + Quote(number), StringComparison.Ordinal);
                    // Several matching indicators: ES|QL returns a multi-valued column; here the first by indicator id.
                    var lookups = with.Select(w => $"(SELECT i.{Quote(w.Field)} FROM {policy.Table} i WHERE {condition} ORDER BY i.id LIMIT 1) AS {Quote(w.Name)}");
                    var kept = columns.Where(c => !with.Any(w => w.Name == c)).ToList();
                    Step($"SELECT {string.Join(", ", kept.Select(c => "p." + Quote(c)))}{(ordered ? ", p." + Quote(Order) : "")}, {string.Join(", ", lookups)} FROM {Prev()} p");
                    columns = [.. kept, .. with.Select(w => w.Name)];
                    _lists.ExceptWith(with.Select(w => w.Name));
                    break;
                }
                case MvExpand expand:
                {
                    if (!columns.Contains(expand.Field)) throw new EsqlException($"MV_EXPAND: unknown column '{expand.Field}'{NameSuggestions.DidYouMean(expand.Field, columns)}", expand.Position);
                    // One row per value of a multi-valued (list) column; the column keeps its place. A row without a
                    // value stays, with null (unnest dropped it), and a single-valued column is left as it is (unnest
                    // failed on it), as in ES|QL.
                    if (!_lists.Remove(expand.Field)) break;
                    var field = Quote(expand.Field);
                    var select = columns.Select(c => c == expand.Field ? $"unnest(CASE WHEN len({field}) > 0 THEN {field} ELSE [NULL] END) AS {field}" : Quote(c));
                    Step($"SELECT {string.Join(", ", select)}{Hidden()} FROM {Prev()}");
                    break;
                }
                case Dissect dissect:
                {
                    var pattern = DissectPattern.Parse(dissect.Pattern, dissect.Position);
                    IEnumerable<string> Values(string cut) => pattern.Columns.Select(c =>
                    {
                        var parts = pattern.Groups.Select((g, i) => (g, i)).Where(x => x.g.Column == c).OrderBy(x => x.g.Order)
                            .Select(x => $"struct_extract({cut}, 'g{(x.i + 1).ToString(CultureInfo.InvariantCulture)}')").ToList();
                        return parts.Count == 1 ? parts[0] : $"concat_ws({LiteralSql(dissect.AppendSeparator)}, {string.Join(", ", parts)})";
                    });
                    (var step, columns) = Cut(dissect.Input, pattern.Regex, "regexp_full_match", pattern.Groups.Count, pattern.Columns, Values, columns, Prev(), Hidden());
                    Step(step);
                    break;
                }
                case Grok grok:
                {
                    var pattern = GrokPattern.Parse(grok.Pattern, grok.Position);
                    // An empty capture is null here: DuckDB gives a group that took no part in the match as '' too.
                    IEnumerable<string> Values(string cut) => pattern.Columns.Select((c, i) =>
                    {
                        var text = $"nullif(struct_extract({cut}, 'g{(i + 1).ToString(CultureInfo.InvariantCulture)}'), '')";
                        return c.Type switch
                        {
                            "int" => $"TRY_CAST({text} AS INTEGER)",
                            "long" => $"TRY_CAST({text} AS BIGINT)",
                            "float" or "double" => $"TRY_CAST({text} AS DOUBLE)",
                            "boolean" => $"TRY_CAST({text} AS BOOLEAN)",
                            _ => text,
                        };
                    });
                    // Searched anywhere in the input, as Elasticsearch's grok does; DISSECT matches the whole of it.
                    (var step, columns) = Cut(grok.Input, pattern.Regex, "regexp_matches", pattern.Columns.Count, pattern.Columns.Select(c => c.Name).ToList(), Values, columns,
                        Prev(), Hidden());
                    Step(step);
                    break;
                }
                case Keep keep:
                {
                    var chosen = new List<string>();
                    var select = new List<string>();
                    foreach (var pattern in keep.Patterns)
                    {
                        var matches = columns.Where(c => Matches(pattern, c)).ToList();
                        // Fields inside a JSON column (winlog.event_data.GrantedAccess) become columns of their own.
                        var fields = matches.Count == 0 ? JsonSubfields(pattern, columns) : [];
                        if (matches.Count == 0 && fields.Count == 0) throw NoMatch("KEEP", pattern, columns, keep.Position);
                        foreach (var m in matches.Where(m => !chosen.Contains(m)))
                        {
                            chosen.Add(m);
                            select.Add(Quote(m));
                        }
                        foreach (var f in fields.Where(f => !chosen.Contains(f)))
                        {
                            chosen.Add(f);
                            select.Add($"{JsonField(new FieldRef(f, keep.Position), columns)} AS {Quote(f)}");
                        }
                    }
                    Step($"SELECT {string.Join(", ", select)}{Hidden()} FROM {Prev()}");
                    columns = chosen;
                    break;
                }
                case Drop drop:
                {
                    // As Elasticsearch does: a misspelt DROP left the column in, without a word.
                    foreach (var pattern in drop.Patterns)
                    {
                        if (!columns.Any(c => Matches(pattern, c))) throw NoMatch("DROP", pattern, columns, drop.Position);
                    }
                    var kept = columns.Where(c => !drop.Patterns.Any(p => Matches(p, c))).ToList();
                    Step($"SELECT {List(kept)}{Hidden()} FROM {Prev()}");
                    columns = kept;
                    break;
                }
                case Rename rename:
                {
                    var map = rename.Pairs.ToDictionary(p => p.From, p => p.To);
                    foreach (var from in map.Keys)
                    {
                        if (!columns.Contains(from)) throw new EsqlException($"RENAME: unknown column '{from}'{NameSuggestions.DidYouMean(from, columns)}", rename.Position);
                    }
                    Step($"SELECT {string.Join(", ", columns.Select(c => map.TryGetValue(c, out var to) ? $"{Quote(c)} AS {Quote(to)}" : Quote(c)))}{Hidden()} FROM {Prev()}");
                    columns = columns.Select(c => map.GetValueOrDefault(c, c)).ToList();
                    _lists = [.. _lists.Select(c => map.GetValueOrDefault(c, c))];
                    break;
                }
                default:
                    throw new EsqlException($"{command.GetType().Name.ToUpperInvariant()} is not supported", command.Position);
            }
            // These keep every row and its order, so a LIMIT after them still cuts the SORT's rows (SORT | EVAL | LIMIT),
            // and a STATS after them makes the SORT moot. MV_EXPAND keeps each row at least once, in order.
            if (command is Keep or Drop or Rename or Eval or Enrich or Dissect or Grok && afterSort is not null) sortToLimit = afterSort;
            if (command is MvExpand && afterSort is not null) sortToLimit = afterSort with { Expands = true };
        }
        if (sortToLimit is { } last && !limited) steps[last.Step] = last.TopN(DefaultLimit); // a query ending in SORT: ES|QL's implicit LIMIT
        // A result showing many computed columns (FROM logs-sysmon-* with no KEEP) reads them from the whole-rows table.
        if (wholeRows is not null && columns.Count(wholeRows.ComputedColumns.Contains) > MaxComputedColumns) steps[0] = fromStep(wholeRows.Table);
        var sb = With(steps, steps.Count);
        sb.Append("\nSELECT ").Append(List(columns)).Append(" FROM ").Append(Prev());
        if (ordered) sb.Append(" ORDER BY ").Append(Quote(Order));
        sb.Append(" LIMIT ").Append((limited ? MaxRows : DefaultLimit).ToString(CultureInfo.InvariantCulture));
        foreach (var (warning, count, input, expression) in _pendingProbes)
        {
            var probe = With(steps, count).Append("\nSELECT 1 FROM ").Append(input).Append(" WHERE len(").Append(expression).Append(") > 1 LIMIT 1");
            _probes.Add(new WarningProbe(warning, probe.ToString()));
        }
        return sb.ToString();
    }

    // The first count steps as the query's CTEs: WITH s0 AS (...), s1 AS (...).
    private static StringBuilder With(List<string> steps, int count)
    {
        var sb = new StringBuilder("WITH ");
        for (var i = 0; i < count; i++)
        {
            if (i > 0) sb.Append(",\n     ");
            sb.Append('s').Append(i.ToString(CultureInfo.InvariantCulture)).Append(" AS (").Append(steps[i]).Append(')');
        }
        return sb;
    }

    private static bool Matches(string pattern, string column) =>
        pattern.Contains('*', StringComparison.Ordinal)
            ? System.Text.RegularExpressions.Regex.IsMatch(column, "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$")
            : pattern == column;

    // METADATA fields as the store can give them: the document id, the Elasticsearch name of the data, the version,
    // which is 1 (the store keeps one version of a document), and the whole document, put back together for the rows
    // that show it (DuckDB leaves it out where nothing reads it). _score needs full-text search: not here.
    private static List<(string Name, string Sql)> Metadata(From from, SourceTable source)
    {
        var fields = new List<(string, string)>();
        foreach (var name in from.Metadata ?? [])
        {
            var sql = name switch
            {
                "_id" when source.IdColumn is { } id => Quote(id),
                "_index" when source.Index is { } index => LiteralSql(index),
                "_version" => "1::BIGINT",
                "_source" when source.DocumentSql is { } document => document,
                _ => throw new EsqlException($"METADATA {name}: not available here (the store has {string.Join(", ", Available())})", from.Position),
            };
            if (!fields.Exists(f => f.Item1 == name)) fields.Add((name, sql));
        }
        return fields;

        IEnumerable<string> Available()
        {
            if (source.IdColumn is not null) yield return "_id";
            if (source.Index is not null) yield return "_index";
            yield return "_version";
            if (source.DocumentSql is not null) yield return "_source";
        }
    }

    private static string List(IEnumerable<string> columns) => string.Join(", ", columns.Select(Quote));

    public static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static bool IsAggregate(string function) =>
        function is "COUNT" or "COUNT_DISTINCT" or "MIN" or "MAX" or "SUM" or "AVG" or "VALUES" or "MEDIAN" or "PERCENTILE" or "STD_DEV" or "TOP";

    // Aggregates met while translating one STATS expression: ROUND(AVG(x), 1) and SUM(a) / COUNT(*) are expressions
    // over aggregates, as ES|QL allows; null outside STATS, where an aggregate is an error.
    private int? _aggregatesSeen;
    private bool _inAggregate;
    // The WHERE of the STATS expression being translated (COUNT(*) WHERE event.code == "1"): each aggregate in it
    // reads only the rows that meet it.
    private string? _aggregateFilter;

    private string Aggregate(Expr e, List<string> columns)
    {
        _aggregatesSeen = 0;
        if (e is Filtered filtered)
        {
            _aggregateFilter = Sql(filtered.Condition, columns);
            e = filtered.Aggregate;
        }
        try
        {
            var sql = Sql(e, columns);
            if (_aggregatesSeen == 0)
            {
                throw new EsqlException("STATS needs aggregate functions (COUNT, COUNT_DISTINCT, MIN, MAX, SUM, AVG, MEDIAN, PERCENTILE, STD_DEV, VALUES, TOP)", e.Position);
            }
            return sql;
        }
        finally
        {
            _aggregatesSeen = null;
            _aggregateFilter = null;
        }
    }

    private string AggregateCall(Call call, List<string> columns)
    {
        var sql = UnfilteredAggregateCall(call, columns);
        // TOP applies its own FILTER (nulls out, and the aggregate's WHERE with them).
        return _aggregateFilter is { } condition && call.Function != "TOP" ? $"{sql} FILTER (WHERE {condition})" : sql;
    }

    private string UnfilteredAggregateCall(Call call, List<string> columns)
    {
        var outer = _aggregatesSeen;
        _aggregatesSeen = null; // an aggregate's argument is per row: no aggregate inside one
        _inAggregate = true;
        try
        {
            string Arg() => call.Args.Count == 1 ? Sql(call.Args[0], columns) : throw new EsqlException($"{call.Function} takes one argument", call.Position);
            return call.Function switch
            {
                "COUNT" when call.Star || call.Args.Count == 0 => "count(*)",
                "COUNT" => $"count({Arg()})",
                // The precision argument tunes Elasticsearch's approximation; the count here is exact.
                "COUNT_DISTINCT" when call.Args.Count == 2 && call.Args[1] is Literal { Value: long or int } => $"count(DISTINCT {Sql(call.Args[0], columns)})",
                "COUNT_DISTINCT" => $"count(DISTINCT {Arg()})",
                "TOP" => Top(call, columns),
                "MIN" => $"min({Arg()})",
                "MAX" => $"max({Arg()})",
                "SUM" => $"sum({Arg()})",
                "AVG" => $"avg({Arg()})",
                "VALUES" => $"list(DISTINCT {Arg()})",
                "MEDIAN" => $"median({Arg()})",
                "STD_DEV" => $"stddev_pop({Arg()})", // ES|QL's is the population's
                // ES|QL's percentile is an approximation (TDigest); DuckDB's interpolated one is exact.
                "PERCENTILE" when call.Args.Count == 2 => $"quantile_cont({Sql(call.Args[0], columns)}, {Sql(call.Args[1], columns)} / 100.0)",
                "PERCENTILE" => throw new EsqlException("PERCENTILE takes a field and a percentile (0 to 100)", call.Position),
                _ => throw new EsqlException($"{call.Function} takes one argument", call.Position),
            };
        }
        finally
        {
            _aggregatesSeen = outer + 1;
            _inAggregate = false;
        }
    }

    private string Sql(Expr e, List<string> columns) => e switch
    {
        FieldRef f => columns.Contains(f.Name) ? Quote(f.Name) : JsonField(f, columns),
        Literal l => LiteralSql(l.Value),
        ParamRef p => _parameters.TryGetValue(p.Name, out var v) ? LiteralSql(v) : throw new EsqlException($"no value for parameter ?{p.Name}", p.Position),
        Binary { Op: "/" } b => Division(Single(b.Left, columns), Single(b.Right, columns)),
        Binary { Op: "AND" or "OR" } b => $"({Sql(b.Left, columns)} {b.Op} {Sql(b.Right, columns)})",
        Binary b => IpComparison.Binary(b, columns, ConstantText) ??
                    $"({Single(b.Left, columns)} {b.Op switch { "==" => "=", "!=" => "<>", _ => b.Op }} {Single(b.Right, columns)})",
        Unary u => u.Op == "NOT" ? $"(NOT {Sql(u.Operand, columns)})" : $"(-{Single(u.Operand, columns)})",
        InList i => IpComparison.In(i, columns, ConstantText) ?? $"({Single(i.Value, columns)} {(i.Negated ? "NOT IN" : "IN")} ({string.Join(", ", i.Items.Select(x => Sql(x, columns)))}))",
        Like l => LikeSql(l, columns),
        IsNull n => $"({Sql(n.Value, columns)} IS {(n.Negated ? "NOT " : "")}NULL)",
        Call c => CallSql(c, columns),
        Filtered f => throw new EsqlException("WHERE after an aggregate is only allowed in STATS", f.Position),
        _ => throw new EsqlException("unsupported expression", e.Position),
    };

    // An operand of an operator: a multi-value of one is that value, one of several is null (ES|QL's operators give
    // null, with a warning, for a multi-valued input). event.category == "process" compares the one value.
    private string Single(Expr e, List<string> columns)
    {
        var sql = Sql(e, columns);
        if (!IsList(e)) return sql;
        var warning = $"{(e is FieldRef f ? f.Name : "a multi-valued expression")} has several values in some rows: an operator, LIKE or one-value function " +
                      $"on it gave null there, as ES|QL's do (MV_EXPAND it first, or use MV_CONTAINS) (at character {e.Position + 1})";
        var input = _rowsOverride ?? "s" + (_steps.Count - 1).ToString(CultureInfo.InvariantCulture);
        if (!_pendingProbes.Exists(p => p.Warning == warning)) _pendingProbes.Add((warning, _steps.Count, input, sql));
        return $"(CASE WHEN len({sql}) = 1 THEN {sql}[1] END)";
    }

    // The fields a KEEP pattern names inside a JSON column of the source: the name itself (winlog.event_data.GrantedAccess),
    // or, for a wildcard, every key the store holds under that column that matches (winlog.event_data.Target*).
    private List<string> JsonSubfields(string pattern, List<string> columns)
    {
        foreach (var json in _json)
        {
            if (!columns.Contains(json) || !pattern.StartsWith(json + ".", StringComparison.Ordinal)) continue;
            if (!pattern.Contains('*', StringComparison.Ordinal)) return [pattern];
            var keys = _jsonKeys?.Invoke(json) ?? [];
            return keys.Select(k => json + "." + k).Where(f => Matches(pattern, f)).ToList();
        }
        return [];
    }

    // KEEP or DROP of a name that is no column: the close ones are offered for a plain name, not for a pattern.
    private static EsqlException NoMatch(string command, string pattern, List<string> columns, int position) =>
        pattern.Contains('*', StringComparison.Ordinal)
            ? new EsqlException($"{command}: no column matches '{pattern}'", position)
            : new EsqlException($"{command}: unknown column '{pattern}'{NameSuggestions.DidYouMean(pattern, columns)}", position);

    // A field KQL names: its SQL and whether it is multi-valued, or null when the store has no such field (it then
    // matches nothing, as in Elasticsearch). Text fields are refused, as for MATCH.
    private (string Sql, bool IsList)? KqlField(string name, int position, List<string> columns)
    {
        if (MatchFunction.IsTextField(name)) throw new EsqlException($"KQL on the text field {name} is not supported here (only keyword fields): use LIKE \"*word*\"", position);
        var field = new FieldRef(name, position);
        try
        {
            return (Sql(field, columns), IsList(field));
        }
        catch (EsqlException)
        {
            return null;
        }
    }

    // A field inside a JSON column of the source (winlog.event_data.X) reads the value from it.
    private string JsonField(FieldRef f, List<string> columns)
    {
        foreach (var json in _json)
        {
            if (columns.Contains(json) && f.Name.StartsWith(json + ".", StringComparison.Ordinal))
            {
                return $"({Quote(json)}->>{LiteralSql("$." + f.Name[(json.Length + 1)..])})";
            }
        }
        throw new EsqlException($"unknown column '{f.Name}'{NameSuggestions.DidYouMean(f.Name, columns)}", f.Position);
    }

    private string LikeSql(Like l, List<string> columns)
    {
        var value = Single(l.Value, columns);
        if (l.Regex)
        {
            // RLIKE patterns are Lucene's; a constant one is rewritten to mean the same to RE2.
            var regex = ConstantText(l.Pattern) is { } lucene ? LiteralSql(LuceneRegex.ToRe2(lucene, l.Pattern.Position)) : Sql(l.Pattern, columns);
            return $"({(l.Negated ? "NOT " : "")}regexp_full_match({value}, {regex}))";
        }
        // ES|QL wildcards are * and ?; SQL's % and _ in the pattern are literal characters there.
        if (l.Pattern is not Literal { Value: string pattern }) throw new EsqlException("LIKE takes a string pattern", l.Pattern.Position);
        var sb = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var escaped = pattern[++i];
                sb.Append(escaped is '*' or '?' ? escaped.ToString() : "\\" + escaped); // \* and \? are literal
                continue;
            }
            sb.Append(c switch { '*' => "%", '?' => "_", '%' => "\\%", '_' => "\\_", _ => c.ToString() });
        }
        return $"({value} {(l.Negated ? "NOT " : "")}LIKE {LiteralSql(sb.ToString())} ESCAPE '\\')";
    }

    private string CallSql(Call c, List<string> columns)
    {
        // An aggregate translates its own arguments (once, and with no aggregate allowed inside).
        if (IsAggregate(c.Function))
        {
            return _aggregatesSeen is not null ? AggregateCall(c, columns)
                : throw new EsqlException(_inAggregate ? $"aggregate {c.Function} inside another aggregate" : $"aggregate {c.Function} is only allowed in STATS", c.Position);
        }
        // Its options are not a value, and its field must stay a field.
        if (c.Function == "MATCH")
        {
            return MatchFunction.Sql(c, c.Args.Count > 0 && c.Args[0] is FieldRef ? Sql(c.Args[0], columns) : "", c.Args.Count > 0 && IsList(c.Args[0]), ConstantText);
        }
        if (c.Function == "KQL")
        {
            if (c.Args.Count != 1 || ConstantText(c.Args[0]) is not { } kql) throw new EsqlException("KQL takes one query string", c.Position);
            return KqlQuery.Sql(kql, name => KqlField(name, c.Position, columns), c.Position);
        }
        // TO_LOWER and TO_UPPER take each value of a multi-value; the other string functions one value (null, with a
        // warning, for several), as in ES|QL.
        if (c.Function is "TO_LOWER" or "TO_UPPER" && c.Args.Count == 1 && IsList(c.Args[0]))
        {
            return $"list_transform({Sql(c.Args[0], columns)}, v -> {(c.Function == "TO_LOWER" ? "lower" : "upper")}(v))";
        }
        var args = c.Args.Select(a => OneValueFunctions.Contains(c.Function) ? Single(a, columns) : Sql(a, columns)).ToList();
        string One() => args.Count == 1 ? args[0] : throw new EsqlException($"{c.Function} takes one argument", c.Position);
        return c.Function switch
        {
            "TO_LOWER" => $"lower({One()})",
            "TO_UPPER" => $"upper({One()})",
            "LENGTH" => $"length({One()})",
            "TO_STRING" => $"CAST({One()} AS VARCHAR)",
            "CONCAT" => "(" + string.Join(" || ", args) + ")", // null if any part is null, as in ES|QL
            "SUBSTRING" when args.Count is 2 or 3 => $"substring({string.Join(", ", args)})",
            "COALESCE" => $"coalesce({string.Join(", ", args)})",
            "CASE" when args.Count >= 2 => CaseSql(args),
            "DATE_TRUNC" when c.Args.Count == 2 && c.Args[0] is Literal { Value: Interval i } =>
                i.Amount == 1 ? $"date_trunc('{i.Unit}', {args[1]})" : $"time_bucket(INTERVAL '{i.Amount} {i.Unit}', {args[1]})",
            "BUCKET" when c.Args.Count == 2 && c.Args[1] is Literal { Value: Interval b } => $"time_bucket(INTERVAL '{b.Amount} {b.Unit}', {args[0]})",
            "BUCKET" when c.Args.Count == 2 && c.Args[1] is Literal { Value: long or double } => $"(floor({args[0]} / {args[1]}) * {args[1]})",
            "BUCKET" => throw new EsqlException("BUCKET is supported with a span: BUCKET(field, 1 hour) or BUCKET(field, 10)", c.Position),
            "CIDR_MATCH" => CidrMatch(c, columns),
            "TO_IP" when c.Args.Count == 1 => ToIp.Sql(c, c.Args[0], args[0], ConstantText(c.Args[0]), columns),
            // The time as UTC, as @timestamp is stored (epoch_us is absolute, whatever the session's time zone).
            "NOW" when args.Count == 0 => "make_timestamp(epoch_us(get_current_timestamp()))",
            "TO_DATETIME" => ToDatetime(c, args),
            // Text that is not base64 (or not UTF-8 once decoded) is null, as ES|QL gives with a warning.
            "FROM_BASE64" => $"try(decode(from_base64({One()})))",
            "TO_BASE64" => $"to_base64(encode({One()}))",
            _ => ScalarFunctions.Sql(c, args, ConstantText, IsList)
                 ?? throw new EsqlException($"function {c.Function} is not in the supported ES|QL subset", c.Position),
        };
    }

    // ES|QL divides two integers as integers, rounding toward 0 (SUM(a) / COUNT(*) of 25 and 2 is 12); DuckDB's / gives
    // 12.5 (see IntegerTypes).
    private static string Division(string left, string right)
    {
        return $"(CASE WHEN typeof({left}) IN {IntegerTypes} AND typeof({right}) IN {IntegerTypes} THEN CAST(trunc({left} / {right}) AS BIGINT) ELSE {left} / {right} END)";
    }

    // A string literal or a string parameter's value: what a date part, a pattern or a CIDR must be.
    private string? ConstantText(Expr e) => e switch
    {
        Literal { Value: string s } => s,
        ParamRef p when _parameters.TryGetValue(p.Name, out var v) && v is string s => s,
        _ => null,
    };

    // TOP(field, n, "asc"|"desc"): the first n values in that order, repeats included, nulls left out, as ES|QL.
    private string Top(Call call, List<string> columns)
    {
        if (call.Args.Count != 3 || call.Args[1] is not Literal { Value: long or int } limit || Convert.ToInt64(limit.Value, CultureInfo.InvariantCulture) < 1 ||
            call.Args[2] is not Literal { Value: string order } || !(order.Equals("asc", StringComparison.OrdinalIgnoreCase) || order.Equals("desc", StringComparison.OrdinalIgnoreCase)))
        {
            throw new EsqlException("TOP takes a field, a number of values (1 or more) and \"asc\" or \"desc\"", call.Position);
        }
        var value = Sql(call.Args[0], columns);
        var keep = $"{value} IS NOT NULL" + (_aggregateFilter is { } condition ? $" AND ({condition})" : "");
        return $"(list({value} ORDER BY {value} {order.ToUpperInvariant()}) FILTER (WHERE {keep}))[1:{LiteralSql(limit.Value)}]";
    }

    // DISSECT and GROK: the input's match as one struct of groups (fields g1, g2, …; null when the input does not
    // match, as in ES|QL), then the new columns made from it by valuesOf (each replacing a column of its name, at the
    // end). A multi-valued input is cut value by value, as ES|QL does: each new column is the list of what the values
    // gave (null where none matched).
    private (string Step, List<string> Columns) Cut(Expr input, string regex, string test, int groups, IReadOnlyList<string> made,
        Func<string, IEnumerable<string>> valuesOf, List<string> columns, string previous, string hidden)
    {
        var re = LiteralSql(regex);
        var names = string.Join(", ", Enumerable.Range(1, groups).Select(g => LiteralSql("g" + g.ToString(CultureInfo.InvariantCulture))));
        string Match(string text) => $"CASE WHEN {test}({text}, {re}) THEN regexp_extract({text}, {re}, [{names}]) END";
        var each = IsList(input);
        var cut = each ? $"list_transform({Sql(input, columns)}, v -> {Match("CAST(v AS VARCHAR)")})" : Match($"CAST({Sql(input, columns)} AS VARCHAR)");
        var values = each
            ? valuesOf("m").Select(v => $"nullif(list_filter(list_transform(\"__cut\", m -> {v}), x -> x IS NOT NULL), [])")
            : valuesOf("\"__cut\"");
        var kept = columns.Where(c => !made.Contains(c)).ToList();
        var selected = values.Zip(made, (value, name) => value + " AS " + Quote(name));
        if (each) _lists.UnionWith(made);
        else _lists.ExceptWith(made);
        return ($"SELECT {List(kept)}{(kept.Count > 0 ? ", " : "")}{string.Join(", ", selected)}{hidden} FROM (SELECT *, {cut} AS \"__cut\" FROM {previous})", [.. kept, .. made]);
    }

    private static readonly HashSet<string> OneValueFunctions =
    [
        "REPLACE", "STARTS_WITH", "ENDS_WITH", "LOCATE", "TRIM", "LTRIM", "RTRIM", "LEFT", "RIGHT", "REVERSE", "SUBSTRING", "LENGTH",
        "FROM_BASE64", "TO_BASE64", "SPLIT", "TO_IP",
    ];

    private bool IsList(Expr e) => e switch
    {
        FieldRef f => _lists.Contains(f.Name),
        Call { Function: "TO_LOWER" or "TO_UPPER", Args.Count: 1 } c => IsList(c.Args[0]),
        Call c => ScalarFunctions.ReturnsList(c.Function),
        Filtered f => IsList(f.Aggregate),
        _ => false,
    };

    // TO_DATETIME("2026-01-05T10:00:00+02:00"): an ISO-8601 string, an offset applied and none meaning UTC, as in
    // ES|QL; a constant is parsed here (a bad one is an error), a column per row (a bad value is null, as ES|QL's
    // warning-and-null). DuckDB's cast to TIMESTAMP drops an offset, so text with one goes through TIMESTAMPTZ (ICU)
    // and back to UTC, and text without one is cast as it is, whatever the session's time zone. A number is epoch
    // milliseconds, as in ES|QL.
    private string ToDatetime(Call c, IReadOnlyList<string> args)
    {
        if (args.Count != 1) throw new EsqlException("TO_DATETIME takes one argument", c.Position);
        if (ConstantText(c.Args[0]) is not { } text)
        {
            var value = args[0];
            var asText = $"CAST({value} AS VARCHAR)";
            return $"(CASE WHEN typeof({value}) IN {IntegerTypes} THEN epoch_ms(TRY_CAST({value} AS BIGINT)) " +
                   $"WHEN regexp_matches({asText}, '\\d\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?\\s*(Z|[+-]\\d\\d(:?\\d\\d)?)$') " +
                   $"THEN timezone('UTC', TRY_CAST({asText} AS TIMESTAMPTZ)) ELSE TRY_CAST({asText} AS TIMESTAMP) END)";
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            throw new EsqlException($"TO_DATETIME: '{text}' is not an ISO-8601 date", c.Position);
        }
        return LiteralSql(time);
    }

    // CIDR_MATCH(ip, "198.51.100.0/24", …) over the numeric twin of an IP column (ip_num), the store's comparable form.
    private string CidrMatch(Call c, List<string> columns)
    {
        if (c.Args.Count < 2 || (c.Args[0] as FieldRef ?? ToIp.IpField(c.Args[0], columns)) is not { } field)
        {
            throw new EsqlException("CIDR_MATCH takes an IP field and CIDR strings", c.Position);
        }
        var number = IpNumbers.TwinOf(field.Name);
        if (!columns.Contains(number)) throw new EsqlException($"CIDR_MATCH needs the numeric twin of '{field.Name}' ({number})", c.Position);
        var ranges = new List<string>();
        foreach (var arg in c.Args.Skip(1))
        {
            var text = ConstantText(arg) ?? throw new EsqlException("CIDR_MATCH takes CIDR strings", arg.Position);
            // A bare address is the block of that one address, as Elasticsearch reads it ("::1" beside "FE80::/10").
            if (!System.Net.IPNetwork.TryParse(text, out var network))
            {
                network = System.Net.IPAddress.TryParse(text, out var address) && !text.Contains('/', StringComparison.Ordinal)
                    ? new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
                    : throw new EsqlException($"CIDR_MATCH: '{text}' is not a CIDR or an address", arg.Position);
            }
            var (first, last) = IpNumbers.Range(network);
            ranges.Add($"{Quote(number)} BETWEEN {first} AND {last}");
        }
        return "(" + string.Join(" OR ", ranges) + ")";
    }

    private static string CaseSql(List<string> args)
    {
        var sb = new StringBuilder("CASE");
        var i = 0;
        for (; i + 1 < args.Count; i += 2) sb.Append(" WHEN ").Append(args[i]).Append(" THEN ").Append(args[i + 1]);
        if (i < args.Count) sb.Append(" ELSE ").Append(args[i]);
        return sb.Append(" END").ToString();
    }

    /// <summary>A value as a DuckDB SQL literal (a string quoted, its quotes doubled): for the translator's helpers too.</summary>
    internal static string LiteralSql(object? value) => value switch
    {
        null => "NULL",
        string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
        bool b => b ? "TRUE" : "FALSE",
        DateTimeOffset t => $"TIMESTAMP '{t.UtcDateTime:yyyy-MM-dd HH:mm:ss.ffffff}'",
        DateTime t => $"TIMESTAMP '{t:yyyy-MM-dd HH:mm:ss.ffffff}'",
        Interval i => $"INTERVAL '{i.Amount} {i.Unit}'",
        // 10.0 stays a decimal: written "10" it became an integer, and 5 / 10.0 an integer division.
        double d when double.IsFinite(d) => d.ToString("R", CultureInfo.InvariantCulture) is var r && r.AsSpan().IndexOfAny('.', 'E') < 0 ? r + ".0" : r,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => throw new EsqlException($"parameter value of type {value.GetType().Name} is not supported", 0),
    };

    /// <summary>A SORT not yet cut by a LIMIT: its step, order keys, the columns it numbers and the rows it reads.</summary>
    /// <remarks>SORT numbers every row (row_number over all of them, to keep the order through later steps), which holds
    /// the whole input in memory: FROM logs-sysmon-* | SORT @timestamp DESC | LIMIT 10 failed under the store's 256 MB at
    /// 200,000 events. Sorted and cut first (<see cref="TopN"/>), DuckDB keeps only the top rows (and reads whole rows
    /// only for them), and only the query's columns of them (the store's whole-document column is not one).</remarks>
    private sealed record PendingSort(int Step, string Keys, List<string> Columns, string Input, bool Expands = false)
    {
        public string Numbered() => $"SELECT {List(Columns)}, row_number() OVER (ORDER BY {Keys}) AS {Quote(Order)} FROM {Input}";

        public string TopN(int count) =>
            (this with { Input = $"(SELECT {List(Columns)} FROM {Input} ORDER BY {Keys} LIMIT {count.ToString(CultureInfo.InvariantCulture)})" }).Numbered();

        // Before a STATS, which drops the order: nothing is numbered.
        public string Unnumbered() => $"SELECT {List(Columns)}, 0 AS {Quote(Order)} FROM {Input}";
    }
}
