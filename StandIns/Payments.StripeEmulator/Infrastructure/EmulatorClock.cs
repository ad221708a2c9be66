namespace Payments.StripeEmulator;

/// <summary>
/// Wall-clock time plus an offset that <c>POST /_emulator/clock/advance</c> moves forward, so a test can
/// let 24 hours pass (an idempotency key expiring) or a second (a rate-limit bucket refilling) without
/// waiting. <c>POST /_emulator/clock/freeze</c> stops it, so a test counting requests against a per-second
/// limit is not refilled by its own slowness; only advancing moves a frozen clock. Object timestamps
/// (<c>created</c>) still use the wall clock.
/// </summary>
internal sealed class EmulatorClock
{
    private readonly Lock sync = new();
    private TimeSpan offset;
    private DateTimeOffset? frozenAt;

    public DateTimeOffset Now
    {
        get
        {
            lock (sync)
            {
                return frozenAt ?? DateTimeOffset.UtcNow + offset;
            }
        }
    }

    public bool Frozen
    {
        get
        {
            lock (sync)
            {
                return frozenAt is not null;
            }
        }
    }

    public void Advance(TimeSpan by)
    {
        lock (sync)
        {
            offset += by;
            frozenAt += by;
        }
    }

    /// <summary>Stops the clock where it is; advancing still moves it.</summary>
    public void Freeze()
    {
        lock (sync)
        {
            frozenAt ??= DateTimeOffset.UtcNow + offset;
        }
    }

    /// <summary>Lets it run again from where it stood, so it never goes back.</summary>
    public void Unfreeze()
    {
        lock (sync)
        {
            if (frozenAt is { } at)
            {
                offset = at - DateTimeOffset.UtcNow;
                frozenAt = null;
            }
        }
    }

    public void Reset()
    {
        lock (sync)
        {
            offset = TimeSpan.Zero;
            frozenAt = null;
        }
    }
}
