namespace Payments.StandIns.Common.Webhooks;

/// <summary>One event on its way to one destination: which attempt is next, and when.</summary>
public abstract class DeliveryJob
{
    /// <summary>Queue order: with shuffle off, a destination's due jobs go out in this order.</summary>
    public long Sequence { get; internal set; }

    /// <summary>The deliverer's reset count when queued: an attempt that ends after a reset is forgotten.</summary>
    public long Generation { get; internal set; }

    /// <summary>Which copy (1-based) when the deliverer is told to send duplicates.</summary>
    public required int Copy { get; init; }

    public int Attempt { get; internal set; } = 1;

    public DateTimeOffset DueAt { get; internal set; }

    internal bool InFlight { get; set; }

    public required string EventId { get; init; }

    /// <summary>
    /// Where it goes. Jobs for one destination share its concurrency; each destination is served on its own. Empty
    /// for a provider with one webhook.
    /// </summary>
    public string Destination { get; init; } = "";
}
