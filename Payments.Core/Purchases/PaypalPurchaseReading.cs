using Payments.Core.Paypal;
using Payments.Core.Stripe;

namespace Payments.Core.Purchases;

/// <summary>
/// A purchase's PayPal order as last read: ids and PayPal's own statuses, for the answer and for the next PayPal call
/// (the authorization to capture or void, the capture to refund). Never money: that is in the purchase's amounts.
/// </summary>
/// <param name="ApproveUrl">Where the payer approves (the order's <c>payer-action</c> link when it was made).</param>
/// <param name="OrderStatus">PayPal's: <c>PAYER_ACTION_REQUIRED</c>, <c>APPROVED</c>, <c>COMPLETED</c>, …</param>
public sealed record PaypalPayment(string OrderId, string? ApproveUrl, string OrderStatus, string? AuthorizationId, string? CaptureId, string? CaptureStatus);

/// <summary>What a PayPal order says of a purchase, in our terms: the status it reaches and PayPal's figures.</summary>
/// <param name="Held">What PayPal still holds for a capture: an open authorization's amount less what was captured or is pending.</param>
public sealed record PaypalPurchaseState(
    PurchaseStatus Status, string Currency, long Authorized, long Captured, long Released, DateTimeOffset? AuthorizedAt, string? ErrorCode,
    PaypalPayment Paypal, IReadOnlyList<RefundSnapshot> Refunds)
{
    public long Held { get; init; }
}

/// <summary>
/// Reads a PayPal order as a purchase (one money model, two providers): every amount is PayPal's, as read.
/// <list type="bullet">
/// <item>captured: the captures PayPal counts as money (<c>COMPLETED</c>, and those refunded since); a <c>PENDING</c>
/// capture is not money yet (the purchase is <c>pending</c>, or stays <c>authorized</c>), a <c>DECLINED</c> one never: the
/// purchase is then <c>failed</c>, all its authorization released, unless the authorization is still open at PayPal;</item>
/// <item>authorized: the authorization's amount (intent AUTHORIZE), else what was captured;</item>
/// <item>released: what an authorization held and no capture took, once it is done (voided, lapsed, or captured finally);</item>
/// <item>refunds: each with its status in the purchase's words (<c>COMPLETED</c> is <c>succeeded</c>, <c>PENDING</c> is
/// <c>pending</c>, <c>FAILED</c> and <c>CANCELLED</c> gave nothing back), and the request that made it by its <c>custom_id</c>;</item>
/// <item>an authorization <c>VOIDED</c> at or after its expiration time (PayPal voids it at day 29) is a lapse: the
/// purchase ends <c>expired</c>, as a lapsed card authorization does; voided before is <c>canceled</c>.</item>
/// </list>
/// </summary>
public static class PaypalPurchaseReading
{
    /// <summary>The purchase unit's <c>custom_id</c> is this and the purchase id: how a PayPal event finds its purchase.</summary>
    public const string CustomIdPrefix = "pur:";

    private const string AuthorizationExpired = "EXPIRED";

    public static string CustomIdOf(string purchaseId) => CustomIdPrefix + purchaseId;

    /// <summary>The purchase this order was made for, or null when it is none of ours.</summary>
    public static string? PurchaseIdOf(PaypalOrder order) =>
        order.PurchaseUnits.Select(u => u.CustomId).FirstOrDefault(c => c?.StartsWith(CustomIdPrefix, StringComparison.Ordinal) == true)?[CustomIdPrefix.Length..];

    public static PaypalPurchaseState Read(PaypalOrder order)
    {
        var unit = order.PurchaseUnits.Single(u => u.CustomId?.StartsWith(CustomIdPrefix, StringComparison.Ordinal) == true);
        var currency = unit.Amount?.Currency ?? throw new InvalidOperationException($"PayPal order {order.Id} has no amount.");
        long Sum(IEnumerable<Money> amounts) => amounts.Aggregate(0L, (total, m) => m.Currency == currency
            ? checked(total + m.Amount)
            : throw new InvalidOperationException($"PayPal order {order.Id} mixes {currency} and {m.Currency}."));

        var captures = unit.Captures;
        var authorizations = unit.Authorizations;
        var captured = Sum(captures.Where(c => PaypalCaptureStatus.IsMoney(c.Status)).Select(c => c.Amount));
        var pending = captures.Where(c => c.Status == PaypalCaptureStatus.Pending).ToList();
        var refused = captures.Where(c => c.Status is PaypalCaptureStatus.Declined or PaypalCaptureStatus.Failed).ToList();
        // A final capture closes the authorization when it is made (PayPal releases the rest then), whatever becomes of the
        // capture: one PayPal later denies leaves nothing to capture (the authorization reads CAPTURED; capturing again is
        // AUTHORIZATION_ALREADY_CAPTURED), so the hold is over and all of it released.
        var finalTaken = captures.Any(c => c.FinalCapture == true);
        var live = authorizations.Where(a => PaypalAuthorizationStatus.IsCapturable(a.Status)).ToList();
        var authorizationDone = authorizations.Count > 0 && (live.Count == 0 || finalTaken);
        // A reauthorization is a second authorization of the same hold: the hold is the largest, never the sum.
        var authorized = authorizations.Count > 0 ? authorizations.Max(a => Sum([a.Amount])) : captured;
        var left = Math.Max(0, authorized - captured - Sum(pending.Select(c => c.Amount)));
        var released = authorizationDone ? left : 0;

        var (status, error) = captured > 0 ? (PurchaseStatus.Succeeded, null)
            : pending.Count > 0 ? (authorizations.Count > 0 ? PurchaseStatus.Authorized : PurchaseStatus.Pending, null)
            // A denied capture with the authorization still open at PayPal (a capture that was not final) leaves the hold:
            // still authorized, the denial kept as the reason. With the hold over, nothing was taken: failed.
            : refused.Count > 0 ? (authorizations.Count > 0 && !authorizationDone ? PurchaseStatus.Authorized : PurchaseStatus.Failed,
                refused[0].StatusReason ?? "CAPTURE_" + refused[0].Status)
            : authorizations.Count > 0 ? AuthorizationOutcome(authorizations, live.Count > 0)
            : order.Status == PaypalOrderStatus.Voided ? (PurchaseStatus.Canceled, null)
            : (PurchaseStatus.AwaitingPayment, (string?)null);

        var capture = captures.FirstOrDefault(c => PaypalCaptureStatus.IsMoney(c.Status)) ?? (captures.Count > 0 ? captures[^1] : null);
        var authorization = live.Count > 0 ? live[^1] : authorizations.Count > 0 ? authorizations[0] : null;
        var ours = captures.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var refunds = unit.Refunds
            .Where(r => r.CaptureId is null || ours.Contains(r.CaptureId))
            .Select(r => new RefundSnapshot(r.Id, RefundStatusOf(r.Status), Sum([r.Amount]))
            {
                RefundKey = r.CustomId,
                FailureReason = r.Status is PaypalRefundStatus.Failed or PaypalRefundStatus.Cancelled ? r.StatusReason ?? r.Status : null,
                Created = r.CreateTime,
            })
            .ToList();

        return new PaypalPurchaseState(status, currency, authorized, captured, released,
            authorizations.Select(a => a.CreateTime).Where(t => t is not null).Min(), error,
            new PaypalPayment(order.Id, order.ApproveUrl, order.Status, authorization?.Id, capture?.Id, capture?.Status), refunds)
        {
            Held = live.Count > 0 && !authorizationDone ? left : 0,
        };
    }

    private static (PurchaseStatus, string?) AuthorizationOutcome(IReadOnlyList<PaypalAuthorization> authorizations, bool live)
    {
        if (live)
            return (PurchaseStatus.Authorized, null);
        if (authorizations.Any(a => a.Status == PaypalAuthorizationStatus.Denied))
            return (PurchaseStatus.Failed, "AUTHORIZATION_DENIED");
        var lapsed = authorizations.All(a => a.Status == AuthorizationExpired
            || (a.Status == PaypalAuthorizationStatus.Voided && a.ExpirationTime is { } end && a.UpdateTime >= end));
        return (lapsed ? PurchaseStatus.Expired : PurchaseStatus.Canceled, null);
    }

    /// <summary>PayPal's refund statuses in the purchase's (and invoices') words: see <see cref="RefundStatuses"/>.</summary>
    public static string RefundStatusOf(string paypalStatus) => paypalStatus switch
    {
        PaypalRefundStatus.Completed => RefundStatuses.Succeeded,
        PaypalRefundStatus.Failed => RefundStatuses.Failed,
        PaypalRefundStatus.Cancelled => RefundStatuses.Canceled,
        _ => RefundStatuses.Pending,
    };
}
