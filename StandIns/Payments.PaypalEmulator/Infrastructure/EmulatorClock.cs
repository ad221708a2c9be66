namespace Payments.PaypalEmulator;

/// <summary>
/// The emulated world's time: wall-clock time plus an offset that <c>POST /_emulator/clock/advance</c> moves
/// forward, so a test lets 3 or 29 days pass (an authorization's honor period, its end), 6 hours (an order
/// expiring, an order request id forgotten) or 9 hours (an access token expiring) without waiting. Every
/// timestamp the emulator shows and every lifetime it enforces reads it; only a webhook's transmission time
/// is the wall clock (the receiver judges staleness by its own clock). <c>POST /_emulator/clock/freeze</c>
/// stops it; only advancing moves a frozen clock.
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
