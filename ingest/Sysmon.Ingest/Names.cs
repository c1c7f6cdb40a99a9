namespace Sysmon.Ingest;

/// <summary>Every name the product shares with the outside world, in one place (architecture.md, "Names").</summary>
public static class Names
{
    public const string SysmonChannel = "Microsoft-Windows-Sysmon/Operational";
    public const string LinuxSysmonChannel = "Linux-Sysmon/Operational";
    public const string SysmonProvider = "Microsoft-Windows-Sysmon";
    public const string LinuxSysmonProvider = "Linux-Sysmon";

    public const string EventsDataStream = "logs-sysmon-default";
    public const string EventsIndexTemplate = "logs-sysmon";
    public const string IndicatorsIndex = "sysmon-indicators";
    public const string AlertsDataStream = "logs-sysmon.alerts-default";
    public const string HuntsIndex = "sysmon-hunts";
    public const string FeedsIndex = "sysmon-feeds";
    public const string EnrichPipeline = "sysmon-enrich";

    public const string EventsTable = "events";
    public const string IndicatorsTable = "indicators";
    public const string AlertsTable = "alerts";
    public const string HuntResultsTable = "hunt_results";

    public const string EcsVersion = "8.0.0";
    public const string EventDataset = "windows.sysmon_operational";
    public const string EventModule = "sysmon";

    /// <summary>Tag put on documents whose EventData came from the rendered message text.</summary>
    public const string MessageParsedTag = "sysmon_message_parsed";
}
