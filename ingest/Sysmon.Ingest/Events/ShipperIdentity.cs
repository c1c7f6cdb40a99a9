namespace Sysmon.Ingest.Events;

/// <summary>
/// What the shipper that collected an event said about the host and about itself (Winlogbeat's or Elastic Agent's
/// <c>host.id</c> and <c>agent.*</c>). Elastic's Windows integration keeps these as shipped; they tie a Sysmon event
/// to the same host's other Elastic data, which the computer name alone does not (names are reused, ids are not).
/// </summary>
public sealed record ShipperIdentity(string? HostId, string? AgentId, string? AgentName, string? AgentType, string? AgentVersion)
{
    /// <summary>Null when the source named none of them, so that events without a shipper carry nothing extra.</summary>
    public static ShipperIdentity? Of(string? hostId, string? agentId, string? agentName, string? agentType, string? agentVersion) =>
        string.IsNullOrEmpty(hostId) && string.IsNullOrEmpty(agentId) && string.IsNullOrEmpty(agentName) &&
        string.IsNullOrEmpty(agentType) && string.IsNullOrEmpty(agentVersion)
            ? null
            : new ShipperIdentity(Blank(hostId), Blank(agentId), Blank(agentName), Blank(agentType), Blank(agentVersion));

    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
