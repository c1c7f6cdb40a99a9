using Sysmon.Ingest.Events;

namespace Sysmon.Ingest.Reading;

/// <summary>
/// Keeps the records of the wanted channels (Sysmon's, Windows and Linux, by default). Exports often mix in
/// Security or System records; those are skipped and counted, not treated as errors.
/// </summary>
public sealed class ChannelFilter
{
    private readonly HashSet<string>? _channels;

    private ChannelFilter(HashSet<string>? channels) => _channels = channels;

    public static ChannelFilter SysmonOnly { get; } =
        new(new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Names.SysmonChannel, Names.LinuxSysmonChannel });

    public static ChannelFilter All { get; } = new(null);

    /// <summary>From <c>--channel</c> values: "*" means all channels. A blank name is refused: it matched no channel,
    /// so only channel-less records (rendered text) passed, and every EVTX/XML/JSON record was skipped as "other".</summary>
    public static ChannelFilter From(IReadOnlyCollection<string>? channels)
    {
        if (channels is null || channels.Count == 0) return SysmonOnly;
        if (channels.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("a channel name is empty; name a channel (Microsoft-Windows-Sysmon/Operational), or '*' to keep every channel");
        if (channels.Contains("*")) return All;
        return new ChannelFilter(new HashSet<string>(channels, StringComparer.OrdinalIgnoreCase));
    }

    public bool IsAll => _channels is null;

    public string Describe() => _channels is null ? "*" : string.Join(", ", _channels);

    /// <summary>Records with no channel at all (rendered text) pass when their provider is Sysmon's.</summary>
    public bool Accepts(SysmonEvent e)
    {
        if (_channels is null) return true;
        if (e.Channel is null) return e.Provider is null || e.Provider.Contains("Sysmon", StringComparison.OrdinalIgnoreCase);
        return _channels.Contains(e.Channel);
    }
}
