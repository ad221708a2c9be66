namespace Payments.Core.Reconciliation;

/// <summary>What one comparison found different: <paramref name="Part"/> names the payment, share or refund within the object.</summary>
public sealed record Difference(string Kind, string? Part, string Ours, string Stripe, string Detail);

/// <summary>
/// A difference as stored: one row per (object, kind, part), so a rerun updates <see cref="LastSeen"/>
/// instead of adding a row. Open while <see cref="ResolvedAt"/> is null.
/// </summary>
/// <param name="Ours">Our figure (minor units) or state.</param>
/// <param name="Stripe">Stripe's figure or state, as read in the run that last saw it.</param>
/// <param name="RepairedBy">The repair that resolved it; null when it went away by itself (say a late webhook) or is open.</param>
public sealed record Finding(
    string Kind, string ObjectType, string ObjectId, string? Part, string Ours, string Stripe, string Detail,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen, DateTimeOffset? ResolvedAt, string? RepairedBy)
{
    public bool IsOpen => ResolvedAt is null;
}

public static class ObjectTypes
{
    public const string Purchase = "purchase";
    public const string Invoice = "invoice";
}

/// <summary>The kinds of difference (docs/reconciler.md) and which of them the reconciler repairs itself.</summary>
public static class FindingKinds
{
    /// <summary>Money still authorized (amount_capturable) differs from ours.</summary>
    public const string HeldDiffers = "held_differs";
    /// <summary>amount_received differs from what we count as captured.</summary>
    public const string CapturedDiffers = "captured_differs";
    /// <summary>The charge's amount_refunded differs from what we count as refunded.</summary>
    public const string RefundedDiffers = "refunded_differs";
    /// <summary>A Refund's status at Stripe differs from the one we recorded.</summary>
    public const string RefundStatus = "refund_status";
    /// <summary>Stripe has a Refund of our PaymentIntent that we never asked for (say from the Dashboard).</summary>
    public const string RefundUnrecorded = "refund_unrecorded";
    /// <summary>We recorded a Refund that Stripe does not have.</summary>
    public const string RefundUnknownToStripe = "refund_unknown_to_stripe";
    /// <summary>A canceled or expired invoice whose PaymentIntent still holds money (requires_capture).</summary>
    public const string HeldOnEndedInvoice = "held_on_ended_invoice";
    /// <summary>A canceled or expired invoice with money captured and not refunded.</summary>
    public const string CapturedOnEndedInvoice = "captured_on_ended_invoice";

    public const string ApplyIntent = "apply_intent";
    public const string RefreshRefund = "refresh_refund";
    public const string FinishEnding = "finish_ending";

    /// <summary>
    /// The repair the reconciler runs for a kind on an object type; null when it is left for an admin.
    /// Money that reached an ended invoice is refunded by finishing its ending again, except where ending
    /// gave up (a card whose refunds fail at the bank: <see cref="Invoices.Invoice.MaxEndingRefundAttempts"/>):
    /// that finding stays open for an admin to return the money another way.
    /// </summary>
    public static string? RepairOf(string objectType, string kind) => (objectType, kind) switch
    {
        (_, HeldDiffers or CapturedDiffers or RefundedDiffers) => ApplyIntent,
        (_, RefundStatus) => RefreshRefund,
        (ObjectTypes.Invoice, HeldOnEndedInvoice or CapturedOnEndedInvoice) => FinishEnding,
        _ => null,
    };
}
