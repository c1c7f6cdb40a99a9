namespace Sysmon.Enrich.Matching;

/// <summary>What a retro-hunt found: every match of a new indicator on a stored event, and how many of those were new
/// alerts (the others were alerted before: at ingest, or by an earlier retro-hunt).</summary>
public readonly record struct RetroHuntOutcome(long Matches, long NewAlerts);
