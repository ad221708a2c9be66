using Microsoft.Extensions.Options;
using Payments.Core.Telemetry;

namespace Payments.Core.Stripe;

/// <summary>
/// One GET of an object for many events about it: handlers of one process share their reads of an intent,
/// subscription, checkout session or invoice (Stripe allows 25 reads a second per endpoint, and a burst of events
/// about one object would otherwise spend one each).
/// </summary>
/// <remarks>
/// <para><b>Why sharing is correct.</b> Stripe changes an object before it sends the event saying so. So a read
/// <i>sent after we received the event</i> sees the object at least as changed as the event says; that is all a
/// handler needs, since handlers are written for "the object now, or newer" (forward-only, order-free). An event
/// therefore uses a read only if the read was started at or after the event's receipt (<c>notBefore</c>):</para>
/// <list type="bullet">
/// <item>a read in flight that started at or after it: joined;</item>
/// <item>a read that completed, started at or after it, answered at most <see cref="StripeOptions.ReadReuseWindow"/> ago: reused;</item>
/// <item>a read in flight that started before it: not joined. The event waits for the <i>next</i> read, which starts
/// when that one answers (so later than now, so after the receipt) and serves every event waiting meanwhile: at most
/// one read of an object is in flight at a time, and at most one waits;</item>
/// <item>anything else: a new read.</item>
/// </list>
/// <para>A read's start is taken before its request is sent, so it is never later than the send. The receipt time is
/// the inbox row's <c>ReceivedAt</c>, written by the instance that took the event in: <see cref="StripeOptions.ReadClockSkew"/>
/// is added for instances whose clocks may disagree, and <c>notBefore</c> is never later than now (the event is
/// received by the time it is handled). Without a receipt time (a message sent before it was carried) <c>notBefore</c>
/// is now. Failures are not kept: the callers sharing a failed read get its error, and the next caller reads again.
/// A shared read runs without the callers' cancellation (one caller's giving up must not fail the others); Stripe.net's
/// own timeout bounds it.</para>
/// </remarks>
public sealed class StripeReadCoalescer(IOptions<StripeOptions> options, TimeProvider clock)
{
    /// <summary>Past this many objects remembered, answered reads older than the window are dropped.</summary>
    private const int PruneAbove = 256;

    private readonly Lock _sync = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private DateTimeOffset _nextPrune;

    /// <summary>The intent as <see cref="IStripeGateway.GetPaymentIntentAsync"/> reads it (always with its latest charge, so one key per intent).</summary>
    public Task<PaymentIntentSnapshot> PaymentIntentAsync(IStripeGateway stripe, string id, DateTimeOffset? receivedAt, CancellationToken ct) =>
        ReadAsync("payment_intent", id, receivedAt, t => stripe.GetPaymentIntentAsync(id, t), ct);

    public Task<SubscriptionSnapshot> SubscriptionAsync(IStripeGateway stripe, string id, DateTimeOffset? receivedAt, CancellationToken ct) =>
        ReadAsync("subscription", id, receivedAt, t => stripe.GetSubscriptionAsync(id, t), ct);

    public Task<CheckoutSessionSnapshot> CheckoutSessionAsync(IStripeGateway stripe, string id, DateTimeOffset? receivedAt, CancellationToken ct) =>
        ReadAsync("checkout_session", id, receivedAt, t => stripe.GetCheckoutSessionAsync(id, t), ct);

    public Task<InvoiceSnapshot> InvoiceAsync(IStripeGateway stripe, string id, DateTimeOffset? receivedAt, CancellationToken ct) =>
        ReadAsync("invoice", id, receivedAt, t => stripe.GetInvoiceAsync(id, t), ct);

    /// <param name="kind">What is read; with <paramref name="id"/> it names the read (the same kind and id must mean the same request).</param>
    /// <param name="receivedAt">When we received the event asking for this read; null: now.</param>
    /// <param name="read">The request, made if no usable read exists (its token is never cancelled, see remarks).</param>
    public async Task<T> ReadAsync<T>(string kind, string id, DateTimeOffset? receivedAt, Func<CancellationToken, Task<T>> read, CancellationToken ct)
    {
        var key = kind + ":" + id;
        Flight flight;
        var start = false;
        var shared = false;
        lock (_sync)
        {
            var o = options.Value;
            var now = clock.GetUtcNow();
            var notBefore = receivedAt is { } received && received + o.ReadClockSkew < now ? received + o.ReadClockSkew : now;
            Prune(now, o.ReadReuseWindow);
            if (!_entries.TryGetValue(key, out var entry))
                _entries[key] = entry = new Entry();
            if (entry.Current is { } current && current.StartedAt >= notBefore
                && (current.CompletedAt is not { } completed || now - completed <= o.ReadReuseWindow))
            {
                (flight, shared) = (current, true);
            }
            else if (entry.Next is { } next)
            {
                // It starts when the read in flight answers: after now, so after this event's receipt.
                (flight, shared) = (next, true);
            }
            else if (entry.Current is { CompletedAt: null })
            {
                // A read is in flight but was sent before this event arrived: it may miss the change. Wait for the next one.
                flight = entry.Next = new Flight(Boxed(read));
            }
            else
            {
                flight = entry.Current = new Flight(Boxed(read)) { StartedAt = now };
                start = true;
            }
        }
        if (start)
            _ = RunAsync(key, flight);
        if (shared)
            PaymentsTelemetry.StripeReadsAvoided.Add(1, new KeyValuePair<string, object?>("reason", "shared"), new KeyValuePair<string, object?>("object", kind));
        return (T)(await flight.Done.Task.WaitAsync(ct))!;
    }

    private static Func<Task<object?>> Boxed<T>(Func<CancellationToken, Task<T>> read) => async () => await read(CancellationToken.None);

    private async Task RunAsync(string key, Flight flight)
    {
        object? value = null;
        Exception? error = null;
        try
        {
            value = await flight.Read();
        }
        catch (Exception ex)
        {
            error = ex;
        }
        Flight? next;
        lock (_sync)
        {
            // The entry is there: it is only dropped when no read of it is in flight or waiting.
            var entry = _entries[key];
            var now = clock.GetUtcNow();
            if (error is null)
                flight.CompletedAt = now;
            next = entry.Next;
            entry.Next = null;
            if (next is not null)
            {
                next.StartedAt = now;
                entry.Current = next;
            }
            else if (error is not null || options.Value.ReadReuseWindow <= TimeSpan.Zero)
            {
                _entries.Remove(key);
            }
        }
        if (next is not null)
            _ = RunAsync(key, next);
        if (error is null)
            flight.Done.SetResult(value);
        else
            flight.Done.SetException(error);
    }

    private void Prune(DateTimeOffset now, TimeSpan window)
    {
        if (_entries.Count <= PruneAbove || now < _nextPrune)
            return;
        foreach (var (key, entry) in _entries.ToList())
            if (entry.Next is null && entry.Current is { CompletedAt: { } completed } && now - completed > window)
                _entries.Remove(key);
        _nextPrune = now + (window > TimeSpan.FromSeconds(1) ? window : TimeSpan.FromSeconds(1));
    }

    /// <summary>An object's latest read (in flight, or answered) and the read waiting for it to answer.</summary>
    private sealed class Entry
    {
        public Flight? Current;
        public Flight? Next;
    }

    private sealed class Flight(Func<Task<object?>> read)
    {
        public Func<Task<object?>> Read { get; } = read;
        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        /// <summary>Taken before the request is sent; null while waiting to start.</summary>
        public DateTimeOffset? StartedAt;
        public DateTimeOffset? CompletedAt;
    }
}
