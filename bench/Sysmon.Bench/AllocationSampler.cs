using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Sysmon.Bench;

/// <summary>
/// Which types a stage allocates, in-process and without dotnet-trace (not installed here): the runtime's
/// GC AllocationTick event fires about every 100 KB allocated and names the type of the allocation that crossed it,
/// so counting ticks per type samples allocated bytes by type.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName != "GCAllocationTick_V4" || eventData.Payload is null || eventData.PayloadNames is null) return;
        var type = eventData.Payload[eventData.PayloadNames.IndexOf("TypeName")] as string ?? "?";
        var amount = Convert.ToInt64(eventData.Payload[eventData.PayloadNames.IndexOf("AllocationAmount64")], System.Globalization.CultureInfo.InvariantCulture);
        _bytes.AddOrUpdate(type, amount, (_, b) => b + amount);
    }

    /// <summary>The sampled bytes per type, largest first, as share of all sampled.</summary>
    public IEnumerable<(string Type, double Share)> Top(int count)
    {
        var total = (double)_bytes.Values.Sum();
        return _bytes.OrderByDescending(kv => kv.Value).Take(count).Select(kv => (kv.Key, kv.Value / total));
    }
}
