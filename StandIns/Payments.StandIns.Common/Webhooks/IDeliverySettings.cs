namespace Payments.StandIns.Common.Webhooks;

/// <summary>
/// What the delivery loop reads of an emulator's webhook settings. Each emulator's settings record implements it
/// with its provider's defaults and retry schedule (and whatever else it offers, which the loop does not see).
/// </summary>
public interface IDeliverySettings
{
    /// <summary>Nothing is sent until unpaused; deliveries queue up.</summary>
    bool Paused { get; }

    /// <summary>Due deliveries go out in random order rather than in queue order.</summary>
    bool Shuffle { get; }

    /// <summary>Deliveries in flight at once per destination.</summary>
    int Concurrency { get; }

    int MaxAttempts { get; }

    /// <summary>An attempt with no answer by then failed (status 0).</summary>
    int TimeoutMs { get; }

    /// <summary>The wait after failed attempt <paramref name="attempt"/> (1-based) before the next.</summary>
    TimeSpan RetryDelay(int attempt);
}
