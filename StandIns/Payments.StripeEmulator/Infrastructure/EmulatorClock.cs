namespace Payments.StripeEmulator;

/// <summary>
/// Wall-clock time plus an offset that <c>POST /_emulator/clock/advance</c> moves forward, so a test can
/// let 24 hours pass (an idempotency key expiring) without waiting. Object timestamps (<c>created</c>)
/// still use the wall clock.
/// </summary>
internal sealed class EmulatorClock
{
    private long offsetTicks;

    public DateTimeOffset Now => DateTimeOffset.UtcNow.AddTicks(Interlocked.Read(ref offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref offsetTicks, by.Ticks);

    public void Reset() => Interlocked.Exchange(ref offsetTicks, 0);
}
