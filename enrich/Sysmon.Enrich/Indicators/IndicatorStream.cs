using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Sysmon.Enrich.Indicators;

/// <summary>
/// An <see cref="IndicatorSource"/> read as an async stream, for a store whose writes are asynchronous (requests to a
/// cluster): the source's parse runs on a thread of its own and waits while <c>capacity</c> indicators are not yet
/// taken, so that a big feed is never whole in memory. What the source throws comes out of the stream after the
/// indicators it handed over; a reader that stops early (an exception, a break, cancellation) stops the parse.
/// </summary>
public static class IndicatorStream
{
    public static async IAsyncEnumerable<Indicator> ReadAsync(this IndicatorSource source, int capacity,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateBounded<Indicator>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        var parse = Task.Factory.StartNew(() =>
        {
            try
            {
                source(indicator =>
                {
                    // Blocking is what this thread is for: the parse is synchronous and must wait for the reader.
                    while (!channel.Writer.TryWrite(indicator))
                    {
                        if (!channel.Writer.WaitToWriteAsync(ct).AsTask().GetAwaiter().GetResult()) throw new ReaderGoneException();
                    }
                });
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var finished = false;
        try
        {
            while (await channel.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var indicator)) yield return indicator;
            }
            finished = true;
        }
        finally
        {
            if (!finished)
            {
                channel.Writer.TryComplete(); // the parse's next hand-over ends it
                try
                {
                    await parse.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The reader's own failure (or cancellation) is the one to report; the parse only stopped for it.
                }
            }
        }
        await parse.ConfigureAwait(false); // the source's own exception, if it threw
    }

    private sealed class ReaderGoneException() : Exception("the reader of the indicator stream stopped");
}
