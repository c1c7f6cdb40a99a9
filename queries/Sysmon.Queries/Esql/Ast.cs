namespace Sysmon.Queries.Esql;

/// <summary>An ES|QL expression.</summary>
public abstract record Expr(int Position);
public sealed record FieldRef(string Name, int Position) : Expr(Position);
public sealed record Literal(object? Value, int Position) : Expr(Position);
public sealed record ParamRef(string Name, int Position) : Expr(Position);
public sealed record Binary(string Op, Expr Left, Expr Right, int Position) : Expr(Position);
public sealed record Unary(string Op, Expr Operand, int Position) : Expr(Position);
public sealed record Call(string Function, IReadOnlyList<Expr> Args, int Position, bool Star = false) : Expr(Position);
public sealed record InList(Expr Value, IReadOnlyList<Expr> Items, bool Negated, int Position) : Expr(Position);
public sealed record Like(Expr Value, Expr Pattern, bool Regex, bool Negated, int Position) : Expr(Position);
public sealed record IsNull(Expr Value, bool Negated, int Position) : Expr(Position);

/// <summary>A STATS aggregate over the rows that meet a condition: <c>COUNT(*) WHERE event.code == "1"</c>.</summary>
public sealed record Filtered(Expr Aggregate, Expr Condition, int Position) : Expr(Position);

/// <summary>One command of the pipe.</summary>
public abstract record Command(int Position);
/// <summary>FROM with its index patterns and the METADATA fields asked for (<c>_id</c>, <c>_index</c>, ...).</summary>
public sealed record From(IReadOnlyList<string> Patterns, int Position, IReadOnlyList<string>? Metadata = null) : Command(Position);
/// <summary><c>ROW a = 1, b = "x"</c>: one row of constants, the source ES|QL's documentation tries patterns on.</summary>
public sealed record Row(IReadOnlyList<(string Name, Expr Value)> Assignments, int Position) : Command(Position);
public sealed record Where(Expr Condition, int Position) : Command(Position);
public sealed record Eval(IReadOnlyList<(string Name, Expr Value)> Assignments, int Position) : Command(Position);
/// <summary>STATS, or with <paramref name="Inline"/> INLINE STATS: every input row kept, the aggregates of its group added.</summary>
public sealed record Stats(IReadOnlyList<(string Name, Expr Aggregate)> Aggregates, IReadOnlyList<(string Name, Expr Group)> By, int Position, bool Inline = false) : Command(Position);
public sealed record Sort(IReadOnlyList<(Expr Key, bool Descending, bool? NullsFirst)> Keys, int Position) : Command(Position);
public sealed record Limit(int Count, int Position) : Command(Position);
public sealed record Keep(IReadOnlyList<string> Patterns, int Position) : Command(Position);
public sealed record Drop(IReadOnlyList<string> Patterns, int Position) : Command(Position);
public sealed record Rename(IReadOnlyList<(string From, string To)> Pairs, int Position) : Command(Position);

public sealed record Enrich(string Policy, string? On, IReadOnlyList<(string Name, string Field)> With, int Position) : Command(Position);

public sealed record MvExpand(string Field, int Position) : Command(Position);

/// <summary><c>DISSECT input "pattern" [APPEND_SEPARATOR = "sep"]</c>: new string columns cut out of the input.</summary>
public sealed record Dissect(Expr Input, string Pattern, string AppendSeparator, int Position) : Command(Position);

/// <summary><c>GROK input "pattern"</c>: new columns from the pattern's named captures.</summary>
public sealed record Grok(Expr Input, string Pattern, int Position) : Command(Position);

/// <summary>A duration literal such as <c>1 hour</c> (DATE_TRUNC, BUCKET).</summary>
public sealed record Interval(long Amount, string Unit);

public sealed record EsqlQuery(IReadOnlyList<Command> Commands);
