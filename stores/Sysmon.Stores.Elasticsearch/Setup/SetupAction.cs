namespace Sysmon.Stores.Elasticsearch.Setup;

/// <summary>What <c>setup elasticsearch</c> did to one resource.</summary>
public enum SetupOutcome { Created, Updated, Unchanged, Executed }

public sealed record SetupAction(string Kind, string Name, SetupOutcome Outcome, string? Note = null)
{
    public override string ToString() => $"{Outcome.ToString().ToLowerInvariant(),-9} {Kind,-18} {Name}{(Note is null ? "" : "  (" + Note + ")")}";
}
