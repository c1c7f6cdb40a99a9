namespace Sysmon.Stores.DuckDb.Schema;

/// <summary>How a column's value is taken from an ECS document.</summary>
public enum ColumnKind
{
    /// <summary>A keyword/text field.</summary>
    Text,
    /// <summary>A number (BIGINT).</summary>
    Long,
    /// <summary>A boolean.</summary>
    Bool,
    /// <summary>An ISO-8601 UTC time, stored as TIMESTAMP (UTC).</summary>
    Time,
    /// <summary>A string array (VARCHAR[]).</summary>
    List,
    /// <summary>An object, object array or string map, stored as JSON (winlog.event_data, dns.answers, ...).</summary>
    Json,
    /// <summary>The comparable number of an IP field (UHUGEINT: IPv4 mapped into ::ffff:0:0/96), beside its text.</summary>
    IpNumber,
    /// <summary>The document id (event.id), the primary key.</summary>
    Id,
    /// <summary>The whole document as JSON.</summary>
    Document,
}
