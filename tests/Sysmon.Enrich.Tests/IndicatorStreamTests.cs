using FluentAssertions;
using Sysmon.Enrich.Indicators;
using Xunit;

namespace Sysmon.Enrich.Tests;

/// <summary>A feed's parse read as an async stream (the Elasticsearch store's refresh): in order, never far ahead of
/// the reader, the parse's own failure after what it handed over, and a reader that stops stopping the parse.</summary>
public sealed class IndicatorStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Indicator Hash(int n) => new(IndicatorType.Sha256, n.ToString("x64"), "f");

    // A source of `count` hashes that records how many it has handed over and whether its parse ended early.
    private sealed class CountingSource(int count, int throwAfter = -1)
    {
        private int _handed;
        public int Handed => Volatile.Read(ref _handed);
        public bool Stopped { get; private set; }

        public void Run(Action<Indicator> each)
        {
            try
            {
                for (var n = 0; n < count; n++)
                {
                    if (n == throwAfter) throw new FormatException("payload mostly invalid");
                    each(Hash(n));
                    Interlocked.Increment(ref _handed);
                }
            }
            catch (Exception ex) when (ex is not FormatException)
            {
                Stopped = true;
                throw;
            }
        }
    }

    [Fact]
    public async Task Every_indicator_comes_in_order_and_the_parse_never_runs_more_than_its_capacity_ahead()
    {
        var source = new CountingSource(2_000);
        var read = 0;
        var furthestAhead = 0;
        await foreach (var indicator in ((IndicatorSource)source.Run).ReadAsync(capacity: 16, Ct))
        {
            indicator.Should().Be(Hash(read));
            read++;
            if (read % 100 == 0) await Task.Delay(5, Ct); // a slow reader, as a bulk request is
            furthestAhead = Math.Max(furthestAhead, source.Handed - read);
        }
        read.Should().Be(2_000);
        // The channel holds 16 and the parse may hold one more it is waiting to hand over.
        furthestAhead.Should().BeLessThanOrEqualTo(17);
    }

    [Fact]
    public async Task A_source_that_hands_nothing_ends_the_stream_at_once()
    {
        var read = 0;
        await foreach (var _ in ((IndicatorSource)(_ => { })).ReadAsync(8, Ct)) read++;
        read.Should().Be(0);
    }

    [Fact]
    public async Task What_the_parse_throws_comes_out_after_the_indicators_it_handed_over()
    {
        var source = new CountingSource(100, throwAfter: 30);
        var read = new List<Indicator>();
        var reading = async () =>
        {
            await foreach (var indicator in ((IndicatorSource)source.Run).ReadAsync(8, Ct)) read.Add(indicator);
        };
        await reading.Should().ThrowExactlyAsync<FormatException>().WithMessage("payload mostly invalid");
        read.Should().HaveCount(30);
    }

    [Fact]
    public async Task A_reader_that_stops_early_stops_the_parse()
    {
        var source = new CountingSource(1_000_000);
        var reading = async () =>
        {
            var n = 0;
            await foreach (var _ in ((IndicatorSource)source.Run).ReadAsync(8, Ct))
            {
                if (++n == 5) throw new IOException("the cluster went away");
            }
        };
        await reading.Should().ThrowExactlyAsync<IOException>("the reader's own failure is the one reported");
        source.Stopped.Should().BeTrue("the parse ended at its next hand-over instead of running on or waiting for ever");
        source.Handed.Should().BeLessThan(20);
    }

    [Fact]
    public async Task Cancelling_stops_both_sides()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var source = new CountingSource(1_000_000);
        var n = 0;
        var reading = async () =>
        {
            await foreach (var _ in ((IndicatorSource)source.Run).ReadAsync(8, cts.Token))
            {
                if (++n == 10) await cts.CancelAsync();
            }
        };
        await reading.Should().ThrowAsync<OperationCanceledException>();
        source.Stopped.Should().BeTrue();
        source.Handed.Should().BeLessThan(30);
    }
}
