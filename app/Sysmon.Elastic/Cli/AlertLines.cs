using Sysmon.Enrich.Matching;

namespace Sysmon.Elastic.Cli;

/// <summary>
/// The ALERT lines of a one-off run (`ingest`, `reindex --re-enrich`): the first few as their alerts are stored, then
/// only a count, since a broad feed can match a large share of the events (380,749 alerts over 1M events were 43 MB
/// of stderr) and the alerts table holds every one. The worker logs each alert instead.
/// </summary>
public sealed class AlertLines(TextWriter writer, int shown = AlertLines.DefaultShown)
{
    public const int DefaultShown = 20;

    /// <summary>Alerts reported (newly stored), printed or not.</summary>
    public long Count { get; private set; }

    public void Add(Alert alert)
    {
        if (Count++ < shown) writer.WriteLine(Format(alert));
    }

    public static string Format(Alert a) =>
        $"ALERT {a.Host} event {a.EventCode}: {a.MatchedField} {a.MatchedAtomic} matches {a.Feed} ({a.IndicatorId})";

    /// <summary>For the run's summary when some alerts were not printed: how many, and the query that lists them.</summary>
    public string? NotShown(StoreLocation store) => Count <= shown ? null :
        $"{Count - shown:N0} of them not printed above; by indicator: sysmon-elastic query " +
        "'FROM logs-sysmon.alerts-default | STATS alerts = COUNT(*), hosts = COUNT_DISTINCT(host.name) BY threat.feed.name, matched.atomic " +
        $"| SORT alerts DESC' --store {store}";
}
