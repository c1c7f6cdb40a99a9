namespace Sysmon.Queries.Esql;

/// <summary>A query outside the supported ES|QL subset or malformed: names the construct and its position.</summary>
public sealed class EsqlException(string message, int position) : Exception($"{message} (at character {position + 1})")
{
    public int Position { get; } = position;
}
