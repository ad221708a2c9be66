namespace Payments.StandIns.Common;

/// <summary>
/// An emulator's time: wall-clock time plus an offset that <c>POST /_emulator/clock/advance</c> moves forward, so a
/// test lets hours or days pass without waiting. <c>POST /_emulator/clock/freeze</c> stops it; only advancing moves a
/// frozen clock. What each emulator reads from it (and what stays on the wall clock) is in its README.
/// </summary>
public sealed class EmulatorClock
{
    private readonly Lock sync = new();
    private TimeSpan offset;
    private DateTimeOffset? frozenAt;

    /// <summary>
    /// Raised, outside the clock's lock, after an advance or an unfreeze: something waiting for a time on this clock
    /// (a webhook retry) should look again.
    /// </summary>
    public event Action? Moved;

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

        Moved?.Invoke();
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

        Moved?.Invoke();
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
