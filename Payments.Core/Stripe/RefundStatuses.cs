namespace Payments.Core.Stripe;

/// <summary>
/// Stripe's refund statuses and the one accounting rule invoices and purchases share: money is counted
/// as refunded only when Stripe says <c>succeeded</c>; a <c>pending</c> (or <c>requires_action</c>) refund
/// is on its way and is counted apart, so nobody is told they got money back that they did not, while it
/// still holds its amount back from what can be refunded so two refunds can never pass what was captured;
/// a <c>failed</c> or <c>canceled</c> refund counts for nothing and its amount can be refunded again.
/// </summary>
public static class RefundStatuses
{
    public const string Pending = "pending";
    public const string RequiresAction = "requires_action";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Canceled = "canceled";

    /// <summary>
    /// How far a refund has come; a snapshot of lower rank is older than what we know and is not applied.
    /// A succeeded refund can still fail (a card refund the issuer returns), so failed ranks above succeeded.
    /// </summary>
    public static int Rank(string? status) => status switch
    {
        Succeeded => 1,
        Failed or Canceled => 2,
        _ => 0,
    };

    /// <summary>Refunded as Stripe counts it: the money left us for good.</summary>
    public static bool IsRefunded(string? status) => status == Succeeded;

    /// <summary>On its way: not refunded yet, but its amount cannot be refunded a second time.</summary>
    public static bool IsPending(string? status) => Rank(status) == 0;

    /// <summary>Came to nothing: the money is back on the charge, refundable again.</summary>
    public static bool IsFailed(string? status) => status is Failed or Canceled;
}
