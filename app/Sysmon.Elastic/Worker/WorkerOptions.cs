namespace Sysmon.Elastic.Worker;

/// <summary>The <c>Worker</c> section of appsettings.json (environment: SYSMON_Worker__Store, ...; command line: --Worker:Store=...).</summary>
public sealed class WorkerOptions
{
    /// <summary>Directories watched for Sysmon files (empty: ./spool). Lists from configuration replace, never add to, the default.</summary>
    public List<string> SpoolDirectories { get; set; } = [];

    public string Store { get; set; } = "duckdb:./sysmon.duckdb";

    /// <summary>Where offsets of tailed files and finished files are checkpointed (written atomically).</summary>
    public string StateFile { get; set; } = "./sysmon-elastic.state.json";

    public string DeadLetter { get; set; } = "./sysmon-elastic.deadletter.ndjson";

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a whole-file input (.evtx, .xml, .csv) must stay unchanged before it is taken as complete.</summary>
    public TimeSpan SettleTime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Documents mapped and tagged at a time before they go to the sink. 1,000 EVTX documents (~7 KB each
    /// while mapped) outlived the collector's young generation: the worker peaked at 396-400 MB on a 1M-record EVTX
    /// file, against 369 MB with 250 and 366-371 MB with 100, equally fast (bench/README.md).</summary>
    public int BatchSize { get; set; } = 250;

    /// <summary>Bytes read from a tailed file at a time (a read ends at the last whole record within it).</summary>
    public int MaxReadBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The largest record a tailed file may hold: a read that finds no whole record in MaxReadBytes is made
    /// twice as large, up to this (ingest reads a 17 MB command line; the worker dead-lettered it).</summary>
    public int MaxRecordBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>The wait after the store failed to take what was read (a full disk, a cluster down) before it is read
    /// and offered again; doubled after each failure in a row, up to <see cref="MaxStoreRetryDelay"/>.</summary>
    public TimeSpan StoreRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan MaxStoreRetryDelay = TimeSpan.FromMinutes(5);

    /// <summary>How long the worker goes without storing anything before it lets a DuckDB file go, so that `query`,
    /// `hunt` and other DuckDB clients can open it (one process at a time); the next write attaches it again.
    /// 00:00:00 holds it for as long as the worker runs.</summary>
    public TimeSpan ReleaseStoreAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Channels to keep; empty = Sysmon's; "*" = all.</summary>
    public List<string> Channels { get; set; } = [];

    /// <summary>Feed definitions (the --feeds JSON contract); empty = the shipped feeds.default.json.</summary>
    public string? FeedsFile { get; set; }

    /// <summary>Addresses that never match an indicator (CIDRs); empty = private and special ranges.</summary>
    public List<string> AllowList { get; set; } = [];

    /// <summary>Also match parent domains of a queried name (a.b.bad.example against bad.example).</summary>
    public bool MatchParentDomains { get; set; }

    /// <summary>How far back new indicators are matched against stored events.</summary>
    public int RetroHuntDays { get; set; } = 30;

    /// <summary>The wait before a failed feed refresh is tried again, doubled per retry while it comes before the feed's
    /// next scheduled refresh; zero: only at that schedule.</summary>
    public TimeSpan FeedRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A directory of your own NAME.esql hunts, scheduled beside the shipped ones.</summary>
    public string? HuntsDirectory { get; set; }

    /// <summary>Run hunts that carry a schedule (and all-default parameters) on it.</summary>
    public bool ScheduledHunts { get; set; } = true;

    /// <summary>host.name for inputs that carry none (rendered text).</summary>
    public string? HostName { get; set; }
}
