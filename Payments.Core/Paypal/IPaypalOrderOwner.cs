namespace Payments.Core.Paypal;

/// <summary>
/// A capability that takes payments through PayPal orders (Purchases, Invoices). Each order an owner creates carries
/// the owner's own prefix in its purchase unit's <c>custom_id</c>, so that a webhook event or a payer's return finds
/// the owner without a lookup; the owner then applies the order as PayPal has it (re-read, never the event's copy),
/// idempotently. The interface lives here so that the PayPal event handling need not know who the owners are.
/// </summary>
public interface IPaypalOrderOwner
{
    /// <summary>True when this owner created <paramref name="order"/> (by its purchase unit's <c>custom_id</c>).</summary>
    bool Owns(PaypalOrder order);

    /// <summary>
    /// The payer approved (the client's complete call, or <c>CHECKOUT.ORDER.APPROVED</c> when they never came back):
    /// authorize or capture the order as the owner decided, then apply it. Safe to run twice and concurrently.
    /// </summary>
    Task CompleteAsync(PaypalOrder order, CancellationToken ct);

    /// <summary>
    /// The order's payments changed at PayPal (an authorization voided or lapsed, a capture completed, pending,
    /// declined, refunded or reversed, a refund): apply the order's figures as read. Safe to run twice, in any order.
    /// </summary>
    Task ApplyAsync(PaypalOrder order, CancellationToken ct);
}
