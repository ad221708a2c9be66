namespace Payments.Core.Purchases;

public enum PurchaseStatus
{
    /// <summary>Row written, Stripe not yet answered.</summary>
    Pending,
    /// <summary>A client-confirmed PaymentIntent waits for Stripe.js.</summary>
    AwaitingPayment,
    /// <summary>3-D Secure: the customer must authenticate in the browser.</summary>
    RequiresAction,
    Failed,
    /// <summary>Manual capture: the money is held, not yet taken.</summary>
    Authorized,
    Succeeded,
    Canceled,
    /// <summary>Manual capture: the authorization lapsed uncaptured (Stripe's cancellation_reason <c>expired</c>).</summary>
    Expired,
    PartiallyRefunded,
    Refunded,
}

public static class PurchaseStatuses
{
    public static string ToWire(this PurchaseStatus status) => status switch
    {
        PurchaseStatus.Pending => "pending",
        PurchaseStatus.AwaitingPayment => "awaiting_payment",
        PurchaseStatus.RequiresAction => "requires_action",
        PurchaseStatus.Failed => "failed",
        PurchaseStatus.Authorized => "authorized",
        PurchaseStatus.Succeeded => "succeeded",
        PurchaseStatus.Canceled => "canceled",
        PurchaseStatus.Expired => "expired",
        PurchaseStatus.PartiallyRefunded => "partially_refunded",
        PurchaseStatus.Refunded => "refunded",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static bool TryParse(string? wire, out PurchaseStatus status) => WireNames.TryParse(wire, ToWire, out status);

    /// <summary>
    /// How far a purchase has come. State only moves forward in rank, so a late or re-delivered
    /// event (or a stale read of Stripe) can never undo newer state. Equal ranks may replace each
    /// other: a failed attempt can be followed by a 3-D Secure challenge on a new card, and back.
    /// </summary>
    public static int Rank(this PurchaseStatus status) => status switch
    {
        PurchaseStatus.Pending or PurchaseStatus.AwaitingPayment => 0,
        PurchaseStatus.RequiresAction or PurchaseStatus.Failed => 1,
        PurchaseStatus.Authorized => 2,
        PurchaseStatus.Succeeded or PurchaseStatus.Canceled or PurchaseStatus.Expired => 3,
        PurchaseStatus.PartiallyRefunded => 4,
        PurchaseStatus.Refunded => 5,
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };
}
