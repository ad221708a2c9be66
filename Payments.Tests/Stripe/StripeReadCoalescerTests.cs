using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Payments.Core.Stripe;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Stripe;

/// <summary>
/// The single-flight rule of <see cref="StripeReadCoalescer"/>: an event uses a read only if the read was started at or
/// after the event's receipt. The clock is a hand-moved one; the reads are Stripe.net's through <see cref="StripeGateway"/>
/// to the emulator, each held at a gate until the test lets it go, so "in flight" is a state the test controls.
/// </summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class StripeReadCoalescerTests(PaymentsFixture fixture)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    private readonly ManualClock _clock = new(T0);

    [Fact]
    public async Task Events_received_before_a_read_started_share_it_while_it_is_in_flight()
    {
        var (reads, id) = await SetUpAsync();

        var a = reads.IntentAsync(id, T0 - TimeSpan.FromSeconds(1));
        _clock.Advance(5 * Ms);
        var b = reads.IntentAsync(id, T0);
        var c = reads.IntentAsync(id, T0 - 50 * Ms);
        reads.Open(1);

        Assert.Equal([id, id, id], (await Task.WhenAll(a, b, c)).Select(i => i.Id));
        Assert.Equal(1, reads.Started);
    }

    [Fact]
    public async Task An_event_received_after_a_read_started_waits_for_the_next_read_which_later_arrivals_share()
    {
        var (reads, id) = await SetUpAsync();

        var a = reads.IntentAsync(id, T0 - TimeSpan.FromSeconds(1));   // read 1, started at T0
        _clock.Advance(10 * Ms);
        var b = reads.IntentAsync(id, T0 + 5 * Ms);                    // received after read 1 started: waits for read 2
        var c = reads.IntentAsync(id, T0 - 5 * Ms);                    // received before: read 1 serves it
        var d = reads.IntentAsync(id, T0 + 8 * Ms);                    // after: shares the read waiting
        Assert.Equal(1, reads.Started);                                // one read in flight at a time

        reads.Open(1);
        Assert.Equal([id, id], (await Task.WhenAll(a, c)).Select(i => i.Id));
        await HttpAssert.EventuallyAsync(() => Task.FromResult(reads.Started == 2), "the next read started once the first answered");
        Assert.False(b.IsCompleted || d.IsCompleted);

        reads.Open(2);
        Assert.Equal([id, id], (await Task.WhenAll(b, d)).Select(i => i.Id));
        Assert.Equal(2, reads.Started);
    }

    [Fact]
    public async Task A_completed_read_serves_events_received_before_it_started_for_the_window_and_no_longer()
    {
        var (reads, id) = await SetUpAsync(window: TimeSpan.FromSeconds(2));
        reads.OpenAll();

        await reads.IntentAsync(id, T0 - TimeSpan.FromSeconds(1));     // read 1: started and answered at T0
        _clock.Advance(TimeSpan.FromSeconds(2));
        await reads.IntentAsync(id, T0 - 500 * Ms);                    // 2 s after its answer: reused
        Assert.Equal(1, reads.Started);

        await reads.IntentAsync(id, T0 + 500 * Ms);                    // received after read 1 started: read 2
        Assert.Equal(2, reads.Started);

        _clock.Advance(TimeSpan.FromSeconds(2) + Ms);
        await reads.IntentAsync(id, T0 - 500 * Ms);                    // read 2 answered 2.001 s ago: read 3
        Assert.Equal(3, reads.Started);
    }

    [Fact]
    public async Task A_failed_read_fails_those_sharing_it_and_is_not_kept()
    {
        var (reads, _) = await SetUpAsync();
        var missing = "pi_missing_" + Guid.NewGuid().ToString("n");

        var a = reads.IntentAsync(missing, T0 - TimeSpan.FromSeconds(1));
        var b = reads.IntentAsync(missing, T0 - TimeSpan.FromSeconds(1));
        reads.Open(1);

        Assert.Equal(PaymentProviderFailure.NotFound, (await Assert.ThrowsAsync<PaymentProviderException>(() => a)).Failure);
        Assert.Equal(PaymentProviderFailure.NotFound, (await Assert.ThrowsAsync<PaymentProviderException>(() => b)).Failure);
        Assert.Equal(1, reads.Started);

        reads.Open(2);
        await Assert.ThrowsAsync<PaymentProviderException>(() => reads.IntentAsync(missing, T0 - TimeSpan.FromSeconds(1)));
        Assert.Equal(2, reads.Started);
    }

    [Fact]
    public async Task Without_a_receipt_time_only_a_read_started_from_the_moment_of_handling_serves()
    {
        var (reads, id) = await SetUpAsync();

        var a = reads.IntentAsync(id, null);                           // read 1 at T0
        var b = reads.IntentAsync(id, null);                           // handled at T0 too: received by then
        _clock.Advance(Ms);
        var c = reads.IntentAsync(id, null);                           // handled after read 1 started
        reads.Open(1);
        await Task.WhenAll(a, b);
        Assert.False(c.IsCompleted);

        reads.Open(2);
        await c;
        Assert.Equal(2, reads.Started);
    }

    [Fact]
    public async Task The_clock_skew_allowance_moves_the_receipt_later()
    {
        var (reads, id) = await SetUpAsync(skew: TimeSpan.FromSeconds(1));

        var a = reads.IntentAsync(id, T0 - TimeSpan.FromSeconds(2));   // read 1 at T0
        _clock.Advance(TimeSpan.FromSeconds(2));
        var b = reads.IntentAsync(id, T0 - 500 * Ms);                  // as received up to T0 + 0.5 s: not read 1
        var c = reads.IntentAsync(id, T0 - TimeSpan.FromSeconds(1));   // up to T0: read 1 serves
        reads.Open(1);
        await Task.WhenAll(a, c);
        await HttpAssert.EventuallyAsync(() => Task.FromResult(reads.Started == 2), "the next read started");
        Assert.False(b.IsCompleted);

        reads.Open(2);
        await b;
    }

    [Fact]
    public async Task A_caller_that_gives_up_does_not_cancel_the_read_others_share()
    {
        var (reads, id) = await SetUpAsync();
        using var cancel = new CancellationTokenSource();

        var a = reads.IntentAsync(id, T0 - TimeSpan.FromSeconds(1), cancel.Token);
        var b = reads.IntentAsync(id, T0 - TimeSpan.FromSeconds(1));
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a);
        reads.Open(1);

        Assert.Equal(id, (await b).Id);
        Assert.Equal(1, reads.Started);
    }

    [Fact]
    public async Task Reads_of_different_objects_are_not_shared()
    {
        var (reads, id) = await SetUpAsync();
        var other = (await fixture.Stripe.CreateClient().V1.PaymentIntents.CreateAsync(new() { Amount = 700, Currency = "usd" })).Id;
        reads.OpenAll();

        var both = await Task.WhenAll(
            reads.IntentAsync(id, T0 - TimeSpan.FromSeconds(1)),
            reads.IntentAsync(other, T0 - TimeSpan.FromSeconds(1)));

        Assert.Equal([id, other], both.Select(i => i.Id));
        Assert.Equal(2, reads.Started);
    }

    private async Task<(GatedReads Reads, string IntentId)> SetUpAsync(TimeSpan? window = null, TimeSpan? skew = null)
    {
        var intent = await fixture.Stripe.CreateClient().V1.PaymentIntents.CreateAsync(new() { Amount = 1200, Currency = "usd" });
        var options = new StripeOptions { ReadReuseWindow = window ?? TimeSpan.FromSeconds(2), ReadClockSkew = skew ?? TimeSpan.Zero };
        return (new GatedReads(new StripeGateway(fixture.Stripe.CreateClient()), new StripeReadCoalescer(Options.Create(options), _clock)), intent.Id);
    }

    /// <summary>
    /// Reads of intents through the coalescer, each made with the real gateway after waiting at its own gate (reads are
    /// numbered from 1 in the order the coalescer sends them), so a test decides when a read in flight answers.
    /// </summary>
    private sealed class GatedReads(StripeGateway gateway, StripeReadCoalescer coalescer)
    {
        private readonly ConcurrentDictionary<int, TaskCompletionSource> _gates = new();
        private int _started;
        private volatile bool _allOpen;

        public int Started => Volatile.Read(ref _started);

        public void Open(int read) => Gate(read).TrySetResult();

        public void OpenAll() => _allOpen = true;

        public Task<PaymentIntentSnapshot> IntentAsync(string id, DateTimeOffset? receivedAt, CancellationToken ct = default) =>
            coalescer.ReadAsync("payment_intent", id, receivedAt, async token =>
            {
                var read = Interlocked.Increment(ref _started);
                if (!_allOpen)
                    await Gate(read).Task;
                return await gateway.GetPaymentIntentAsync(id, token);
            }, ct);

        private TaskCompletionSource Gate(int read) => _gates.GetOrAdd(read, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
