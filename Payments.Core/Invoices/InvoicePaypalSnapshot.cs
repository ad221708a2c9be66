using System.Diagnostics.CodeAnalysis;
using Payments.Core.Paypal;
using Payments.Core.Stripe;

namespace Payments.Core.Invoices;

/// <summary>
/// What PayPal's order says of one invoice payment, in our terms: built by <see cref="Of"/> from the order as read
/// from PayPal (never from a webhook's copy), applied by <see cref="Invoice.ApplyPaypal"/>. Amounts are PayPal's
/// figures through <see cref="PaypalAmount"/> (our minor units).
/// </summary>
/// <param name="AuthorizationId">The order's first authorization; <paramref name="ReauthorizationId"/> the one that reauthorized it.</param>
/// <param name="AuthorizationStatus">The status of the newest authorization (a reauthorization shares its parent's hold).</param>
/// <param name="HonorFrom">The newest authorization's <c>create_time</c>: its 3-day honor period starts there.</param>
/// <param name="Captured">Captures PayPal counts as money (<see cref="PaypalCaptureStatus.IsMoney"/>), summed; a PENDING capture is not.</param>
/// <param name="Refunds">The order's refunds with our refund statuses (<see cref="OurRefundStatus"/>).</param>
/// <param name="Authorized">The newest authorization's amount.</param>
public sealed record InvoicePaypalSnapshot(
    string OrderId, string OrderStatus, string? ApproveUrl,
    string? AuthorizationId, string? ReauthorizationId, string? AuthorizationStatus, DateTimeOffset? HonorFrom,
    string? CaptureId, string? CaptureStatus, long Captured, IReadOnlyList<RefundSnapshot> Refunds, long Authorized = 0)
{
    /// <summary>What PayPal holds for us with nothing captured yet: the newest authorization's amount while it is open.</summary>
    public long Held => CaptureId is null && PaypalAuthorizationStatus.IsCapturable(AuthorizationStatus) ? Authorized : 0;

    /// <summary>The start of every invoice order's <c>custom_id</c>: how PayPal event handling knows an order is ours.</summary>
    public const string CustomIdPrefix = "inv:";

    /// <summary><c>inv:{invoiceId}:{paymentId}</c> (at most 127 characters at PayPal; ours are about 55).</summary>
    public static string CustomId(string invoiceId, string paymentId) => $"{CustomIdPrefix}{invoiceId}:{paymentId}";

    public static bool IsOurs(PaypalOrder order) => order.PurchaseUnits.Any(u => u.CustomId?.StartsWith(CustomIdPrefix, StringComparison.Ordinal) == true);

    /// <summary>The invoice and payment an order of ours was made for (its purchase unit's <c>custom_id</c>).</summary>
    public static bool TryParse(PaypalOrder order, [NotNullWhen(true)] out string? invoiceId, [NotNullWhen(true)] out string? paymentId)
    {
        (invoiceId, paymentId) = (null, null);
        var customId = Unit(order)?.CustomId;
        if (customId is null || !customId.StartsWith(CustomIdPrefix, StringComparison.Ordinal)
            || customId[CustomIdPrefix.Length..].Split(':') is not [{ Length: > 0 } invoice, { Length: > 0 } payment])
            return false;
        (invoiceId, paymentId) = (invoice, payment);
        return true;
    }

    public static InvoicePaypalSnapshot Of(PaypalOrder order)
    {
        var unit = Unit(order);
        // In creation order: a reauthorization is newer than the authorization it replaced (PayPal lists both).
        var authorizations = (unit?.Authorizations ?? []).Select((a, i) => (a, i))
            .OrderBy(x => x.a.CreateTime ?? DateTimeOffset.MinValue).ThenBy(x => x.i).Select(x => x.a).ToList();
        var captures = unit?.Captures ?? [];
        var current = authorizations.LastOrDefault();
        var capture = captures.Count > 0 ? captures[^1] : null;
        return new InvoicePaypalSnapshot(
            order.Id, order.Status, order.ApproveUrl,
            authorizations.FirstOrDefault()?.Id, authorizations.Count > 1 ? current!.Id : null, current?.Status, current?.CreateTime,
            capture?.Id, capture?.Status, captures.Where(c => PaypalCaptureStatus.IsMoney(c.Status)).Sum(c => c.Amount.Amount),
            [.. (unit?.Refunds ?? []).Select(r => new RefundSnapshot(r.Id, OurRefundStatus(r.Status), r.Amount.Amount)
            {
                RefundKey = r.CustomId, Created = r.CreateTime,
                FailureReason = r.Status is PaypalRefundStatus.Failed or PaypalRefundStatus.Cancelled ? r.StatusReason ?? r.Status.ToLowerInvariant() : null,
            })],
            current?.Amount.Amount ?? 0);
    }

    /// <summary>
    /// PayPal's refund statuses in the words our refunds are counted in (Stripe's, <see cref="RefundStatuses"/>):
    /// COMPLETED is refunded, PENDING on its way, FAILED and CANCELLED gave nothing back. One money model for both providers.
    /// </summary>
    public static string OurRefundStatus(string paypalStatus) => paypalStatus switch
    {
        PaypalRefundStatus.Completed => RefundStatuses.Succeeded,
        PaypalRefundStatus.Pending => RefundStatuses.Pending,
        PaypalRefundStatus.Failed => RefundStatuses.Failed,
        PaypalRefundStatus.Cancelled => RefundStatuses.Canceled,
        _ => RefundStatuses.Pending,
    };

    /// <summary>Where the payment stands by PayPal's account of it; the capture decides once there is one.</summary>
    public InvoicePaymentStatus Status => (CaptureStatus, AuthorizationStatus) switch
    {
        ({ } capture, _) when PaypalCaptureStatus.IsMoney(capture) => InvoicePaymentStatus.Captured,
        (PaypalCaptureStatus.Pending, _) => InvoicePaymentStatus.Authorized,
        (PaypalCaptureStatus.Declined or PaypalCaptureStatus.Failed, _) => InvoicePaymentStatus.Canceled,
        (_, PaypalAuthorizationStatus.Created or PaypalAuthorizationStatus.PartiallyCaptured or PaypalAuthorizationStatus.Captured) => InvoicePaymentStatus.Authorized,
        (_, PaypalAuthorizationStatus.Voided) => InvoicePaymentStatus.Canceled,
        (_, PaypalAuthorizationStatus.Denied) => InvoicePaymentStatus.Failed,
        (_, PaypalAuthorizationStatus.Pending) => InvoicePaymentStatus.Pending,
        _ when OrderStatus == PaypalOrderStatus.Voided => InvoicePaymentStatus.Canceled,
        _ => InvoicePaymentStatus.AwaitingPayment,
    };

    /// <summary>Why the payment ended without money, in our snake_case (<c>authorization_voided</c>, <c>capture_declined</c>, …).</summary>
    public string? ErrorCode => Status switch
    {
        InvoicePaymentStatus.Canceled when CaptureStatus is not null => $"capture_{CaptureStatus.ToLowerInvariant()}",
        InvoicePaymentStatus.Canceled or InvoicePaymentStatus.Failed when AuthorizationStatus is not null => $"authorization_{AuthorizationStatus.ToLowerInvariant()}",
        InvoicePaymentStatus.Canceled => "order_voided",
        _ => null,
    };

    private static PaypalPurchaseUnit? Unit(PaypalOrder order) =>
        order.PurchaseUnits.FirstOrDefault(u => u.CustomId?.StartsWith(CustomIdPrefix, StringComparison.Ordinal) == true) ?? (order.PurchaseUnits.Count > 0 ? order.PurchaseUnits[0] : null);
}
