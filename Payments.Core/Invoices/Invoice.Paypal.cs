using Payments.Core.Paypal;

namespace Payments.Core.Invoices;

/// <summary>
/// Shares paid through PayPal (intent AUTHORIZE): the same claim, the same 15-minute take-over and the same money model
/// as card payments (held until the invoice is funded, then captured; released if it ends unfunded). What differs is
/// how a payment learns where it stands: from PayPal's order as read (<see cref="InvoicePaypalSnapshot"/>).
/// </summary>
public sealed partial class Invoice
{
    /// <summary>PayPal guarantees an authorization's funds for 3 days (its honor period); it stays capturable to day 29.</summary>
    public static readonly TimeSpan PaypalHonorPeriod = PaypalAuthorizationLifetime.HonorPeriod;

    /// <summary>
    /// How long after the honor period began a still-open invoice's PayPal authorization is reauthorized: the honor
    /// period plus a margin, so PayPal's clock agrees it has ended (earlier it refuses, REAUTHORIZATION_NOT_SUPPORTED).
    /// </summary>
    public static readonly TimeSpan PaypalReauthorizeAfter = PaypalHonorPeriod + TimeSpan.FromMinutes(15);

    /// <summary>The payer claims the share for a PayPal payment (an order is created next): as <see cref="ClaimShare"/>.</summary>
    public InvoicePayment ClaimShareForPaypal(string memberId, string payerId, string paymentId, DateTimeOffset now)
    {
        if (_payments.TryGetValue(paymentId, out var existing))
            return existing;
        var payment = ClaimShare(memberId, payerId, paymentId, null, now) with { Paypal = new InvoicePaypal(null) };
        _payments[paymentId] = payment;
        return payment;
    }

    /// <summary>The payment whose PayPal order this is, if any.</summary>
    public InvoicePayment? PaymentForOrder(string orderId) => _payments.Values.FirstOrDefault(p => p.Paypal?.OrderId == orderId);

    /// <summary>
    /// PayPal wants the payer back on its page (<c>INSTRUMENT_DECLINED</c>: choose other funding; <c>ORDER_NOT_APPROVED</c>):
    /// the payment keeps the share and waits for a new approval, as PayPal keeps the order; the take-over clock starts again.
    /// </summary>
    public bool PaypalSentBack(string paymentId, string code, DateTimeOffset now)
    {
        var payment = _payments[paymentId];
        if (payment.Status.Rank() > InvoicePaymentStatus.AwaitingPayment.Rank())
            return false;
        _payments[paymentId] = payment with { Status = InvoicePaymentStatus.AwaitingPayment, ErrorCode = code, Updated = now };
        Touch(now);
        return true;
    }

    /// <summary>
    /// Applies PayPal's order to its payment. The status only moves forward (as <see cref="ApplyIntent"/>); PayPal's ids
    /// are never forgotten, and its statuses are taken when the status does not move back or when the order shows a
    /// payment we did not know (an authorization made after the payment was given up must be recorded to be voided).
    /// Refunds are applied as for cards (<see cref="ApplyRefund"/>). False when nothing changed.
    /// </summary>
    public bool ApplyPaypal(string paymentId, InvoicePaypalSnapshot paypal, DateTimeOffset now)
    {
        if (!_payments.TryGetValue(paymentId, out var payment) || payment.Paypal is not { } known
            || (known.OrderId is { } own && own != paypal.OrderId))
            return false;
        var next = paypal.Status;
        var moves = next.Rank() > payment.Status.Rank();
        var news = (paypal.AuthorizationId is not null && known.AuthorizationId is null)
            || (paypal.ReauthorizationId is not null && known.ReauthorizationId is null)
            || (paypal.CaptureId is not null && known.CaptureId is null);
        var fresh = next.Rank() >= payment.Status.Rank() || news;
        var merged = known with
        {
            OrderId = paypal.OrderId,
            ApproveUrl = known.ApproveUrl ?? paypal.ApproveUrl,
            OrderStatus = fresh ? paypal.OrderStatus : known.OrderStatus,
            AuthorizationId = known.AuthorizationId ?? paypal.AuthorizationId,
            ReauthorizationId = known.ReauthorizationId ?? paypal.ReauthorizationId,
            AuthorizationStatus = fresh ? paypal.AuthorizationStatus ?? known.AuthorizationStatus : known.AuthorizationStatus,
            HonorFrom = Later(known.HonorFrom, paypal.HonorFrom),
            CaptureId = known.CaptureId ?? paypal.CaptureId,
            CaptureStatus = fresh ? paypal.CaptureStatus ?? known.CaptureStatus : known.CaptureStatus,
        };
        var changed = false;
        if (moves || merged != known)
        {
            payment = payment with
            {
                Status = moves ? next : payment.Status,
                ErrorCode = moves ? paypal.ErrorCode ?? payment.ErrorCode : payment.ErrorCode,
                Paypal = merged,
                Updated = now,
            };
            _payments[paymentId] = payment;
            if (moves)
                FollowPayment(payment, paypal.Captured);
            changed = true;
        }
        foreach (var refund in paypal.Refunds)
            changed |= ApplyRefund(paymentId, refund, now) is not null;
        if (changed)
            Touch(now);
        return changed;
    }

    /// <summary>
    /// The PayPal payment is given up without money (a capture or reauthorization PayPal refused, its authorization
    /// lapsed): the share is unpaid again, as after a refused card capture. Its authorization, if still open, is then
    /// among <see cref="HoldsToVoid"/>. False when the payment was captured or given up already (a capture is never undone).
    /// </summary>
    public bool PaypalGivenUp(string paymentId, string code, DateTimeOffset now)
    {
        if (_payments[paymentId].Status.Rank() >= InvoicePaymentStatus.Canceled.Rank())
            return false;
        CaptureFailed(paymentId, code, now);
        return true;
    }

    /// <summary>
    /// PayPal payments holding their share whose authorization's honor period has passed (by <see cref="PaypalReauthorizeAfter"/>)
    /// and that were not reauthorized yet, on an invoice still waiting for its money: what the sweep reauthorizes.
    /// </summary>
    public IReadOnlyList<InvoicePayment> PaypalReauthorizationsDue(DateTimeOffset now) =>
        PaypalHolds.Where(p => p.Paypal!.HonorFrom is { } from && from + PaypalReauthorizeAfter <= now).ToList();

    /// <summary>When the next of <see cref="PaypalReauthorizationsDue"/> falls due (the store indexes it), or null.</summary>
    public DateTimeOffset? NextPaypalReauthorization =>
        PaypalHolds.Select(p => p.Paypal!.HonorFrom).Where(t => t is not null).Min() + PaypalReauthorizeAfter;

    private IEnumerable<InvoicePayment> PaypalHolds =>
        Status != InvoiceStatus.CheckedOut
            ? []
            : _shares.Values
                .Where(s => s.Status == ShareStatus.Authorized && s.PaymentId is not null)
                .Select(s => _payments[s.PaymentId!])
                .Where(p => p.Paypal is { ReauthorizationId: null, AuthorizationOpen: true });

    /// <summary>PayPal captures made but PENDING (not money yet): funding and ending wait for PayPal's word on them.</summary>
    public IReadOnlyList<InvoicePayment> PaypalCapturesPending =>
        _payments.Values.Where(p => p.Status == InvoicePaymentStatus.Authorized && p.Paypal?.CapturePending == true).ToList();

    /// <summary>
    /// Every share is captured or has a PayPal capture pending: the invoice is paid as far as its members go, and
    /// the deadline waits for PayPal's word instead of refunding everyone.
    /// </summary>
    public bool AwaitsPaypalCaptures =>
        Status == InvoiceStatus.CheckedOut && PaypalCapturesPending.Count > 0
        && _shares.Values.All(s => s.Status == ShareStatus.Captured
            || (s.Status == ShareStatus.Authorized && _payments[s.PaymentId!].Paypal?.CapturePending == true));

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
