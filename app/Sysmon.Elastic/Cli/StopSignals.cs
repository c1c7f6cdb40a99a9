using System.Runtime.InteropServices;

namespace Sysmon.Elastic.Cli;

/// <summary>
/// Ctrl+C and SIGTERM as a cancellation for a one-shot command (the worker has the Generic Host's own lifetime).
/// Without it the runtime ended `ingest` at once: no summary, and the load files of the loads under way left on disk.
/// The first signal asks the command to stop; a second one ends the process as the signal normally would.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    public StopSignals(CancellationToken outer)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>Cancelled by the first signal (or by the outer token).</summary>
    public CancellationToken Token => _stop.Token;

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signals) > 1) return; // the default: the process ends
        context.Cancel = true;
        _stop.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _stop.Dispose();
    }
}
