using System.Text.Json;
using Microsoft.Extensions.Logging;
using Payments.Core.Http;
using Payments.Core.Paypal;

namespace Payments.Core.Purchases;

/// <summary>
/// Staff's operations on a PayPal purchase, under the purchase rules (<see cref="PurchaseAdminService"/> checks them and
/// holds refund reservations): capture an authorization once (in part: the rest is released), void it, refund a
/// capture in parts. Each PayPal POST has a request id derived from the purchase (and, for a refund, its
/// Idempotency-Key); afterwards the order is read again and applied, so the purchase holds PayPal's figures.
/// </summary>
public sealed partial class PaypalPurchaseAdmin(
    PurchaseStore purchases, PaypalPurchases orders, PaypalClient paypal, RefundRequestStore refundRequests, TimeProvider clock,
    ILogger<PaypalPurchaseAdmin> logger)
{
    /// <summary>
    /// One name for a refund request: its <c>PayPal-Request-Id</c>, the refund's <c>custom_id</c> at PayPal (so a refund read back
    /// drops its reservation) and the reservation's key. At most 80 characters (PayPal's <c>custom_id</c> takes 127).
    /// </summary>
    public static string RefundKey(string purchaseId, string idempotencyKey) => PaypalRequestId.Of("refund", purchaseId, idempotencyKey).Value;

    /// <summary>
    /// Captures the authorization once, finally (PayPal releases the rest). After PayPal's 3-day honor period the payer's
    /// funds are no longer guaranteed and PayPal may refuse: that is the decline path (402 <c>paypal_capture_declined</c>,
    /// the reason kept on the purchase), and the purchase stays authorized, since PayPal still holds the authorization
    /// (to day 29) and a later capture may succeed. An authorization PayPal voided or let lapse answers 409 and the purchase shows it.
    /// </summary>
    public async Task<Purchase> CaptureAsync(Purchase purchase, long? amount, CancellationToken ct)
    {
        var payment = purchase.Paypal ?? throw PurchaseErrors.NotPaypal().ToException();
        var authorizationId = payment.AuthorizationId
            ?? throw PurchaseErrors.InvalidState("PayPal has no authorization for this purchase yet.").ToException();
        var take = new Money(amount ?? purchase.AmountAuthorized, purchase.Currency);
        try
        {
            await paypal.CaptureAuthorizationAsync(authorizationId, new PaypalAuthorizationCaptureRequest(take, FinalCapture: true),
                PaypalRequestId.Of("purchase", purchase.Id, "capture"), ct);
        }
        catch (PaypalException ex) when (ex.Category == PaypalErrorCategory.AlreadyDone
            || (ex.Issue ?? ex.Name) is "AUTHORIZATION_EXPIRED" or "AUTHORIZATION_VOIDED")
        {
            // PayPal holds another state (captured already, perhaps of another amount; voided; lapsed): report what it is now.
            var now = await ReadAsync(purchase, ct);
            throw (now.AmountCaptured > 0
                ? new ApiError(409, "already_captured", "This purchase was captured already; a capture happens once.")
                : PurchaseErrors.InvalidState($"Only an authorized purchase can be captured; this one is {now.Status.ToWire()}.")).ToException();
        }
        catch (PaypalException ex) when ((ex.Issue ?? ex.Name) == "MAX_CAPTURE_AMOUNT_EXCEEDED")
        {
            throw ApiErrors.Validation("amount", "amount is more than PayPal can still capture.").ToException();
        }
        catch (PaypalException ex) when (ex.Category == PaypalErrorCategory.SendPayerBack)
        {
            var code = ex.Issue ?? ex.Name ?? "PAYER_CANNOT_PAY";
            await purchases.MutateAsync(purchase.UserId, purchase.Id, p => p.RecordCaptureRefused(code, clock.GetUtcNow()), ct);
            LogCaptureRefused(logger, purchase.Id, code);
            throw new ApiError(402, "paypal_capture_declined", "PayPal refused to capture the authorization (after its 3-day honor period the funds are not guaranteed).")
            {
                Extensions = new Dictionary<string, object?> { ["providerCode"] = code, ["nextAction"] = "retry_later_or_cancel", ["purchaseId"] = purchase.Id },
            }.ToException();
        }
        var captured = await ReadAsync(purchase, ct);
        var status = captured.Status.ToWire();
        LogCaptured(logger, purchase.Id, captured.AmountCaptured, captured.AmountAuthorized, status);
        return captured;
    }

    /// <summary>
    /// Voids the authorization (PayPal releases all of it), or, when nothing was authorized or captured at PayPal, cancels the
    /// purchase here: its order is never completed (a later approval charges nothing) and PayPal lets it expire.
    /// </summary>
    public async Task<Purchase> CancelAsync(Purchase purchase, CancellationToken ct)
    {
        // What PayPal has now decides: the payer may have approved, and the webhook completed, since the row was read.
        var current = await ReadAsync(purchase, ct);
        if (current.Status is PurchaseStatus.Pending or PurchaseStatus.AwaitingPayment && current.Paypal is { AuthorizationId: null, CaptureId: null })
        {
            var canceled = await purchases.MutateAsync(current.UserId, current.Id, p => p.CancelUnpaid(clock.GetUtcNow()), ct);
            // The webhook may have completed the order between the read and this write: then the purchase is not canceled.
            if (canceled.Status != PurchaseStatus.Canceled)
                throw PurchaseErrors.InvalidState($"A {canceled.Status.ToWire()} purchase cannot be canceled; refund it instead.").ToException();
            LogCanceled(logger, current.Id, "unpaid");
            return canceled;
        }
        if (current.Status is PurchaseStatus.Canceled or PurchaseStatus.Expired)
            return current;
        if (current.Status != PurchaseStatus.Authorized || current.Paypal?.AuthorizationId is not { } authorizationId)
            throw PurchaseErrors.InvalidState($"A {current.Status.ToWire()} purchase cannot be canceled; refund it instead.").ToException();
        try
        {
            await paypal.VoidAuthorizationAsync(authorizationId, PaypalRequestId.Of("purchase", current.Id, "void"), ct);
        }
        catch (PaypalException ex) when (ex.Category == PaypalErrorCategory.AlreadyDone
            || (ex.Issue ?? ex.Name) is "AUTHORIZATION_EXPIRED" or "AUTHORIZATION_VOIDED")
        {
            // Voided already (a lost answer), lapsed, or captured meanwhile: the order says which.
        }
        var voided = await ReadAsync(current, ct);
        if (voided.Status is not (PurchaseStatus.Canceled or PurchaseStatus.Expired))
            throw PurchaseErrors.InvalidState($"A {voided.Status.ToWire()} purchase cannot be canceled; refund it instead.").ToException();
        LogCanceled(logger, current.Id, "voided");
        return voided;
    }

    /// <summary>
    /// Refunds <paramref name="amount"/> (reserved on the row by the caller) of the purchase's capture: always the amount
    /// itself, never "the rest", so what PayPal refunds is what we reserved. PayPal refusing it (too much, too late,
    /// too many, a pending capture) records the refusal, drops the reservation and answers 422: nothing changed.
    /// </summary>
    public async Task<StoredResponse> RefundReservedAsync(Purchase purchase, long amount, string? reason, string refundKey, string idempotencyKey, CancellationToken ct)
    {
        var captureId = purchase.Paypal?.CaptureId ?? throw PurchaseErrors.InvalidState("PayPal has no capture of this purchase to refund.").ToException();
        PaypalRefund refund;
        try
        {
            refund = await paypal.RefundCaptureAsync(captureId, new PaypalRefundRequest(new Money(amount, purchase.Currency), CustomId: refundKey),
                PaypalRequestId.Of(refundKey), ct);
        }
        catch (PaypalException ex) when (PaypalPurchases.IsFinal(ex))
        {
            var code = ex.Issue ?? ex.Name ?? "REFUND_REFUSED";
            await refundRequests.RecordRejectedAsync(purchase.Id, idempotencyKey, amount, reason, code, clock.GetUtcNow(), ct);
            var released = await purchases.MutateAsync(purchase.UserId, purchase.Id, p => p.ReleaseRefund(refundKey, clock.GetUtcNow()), ct);
            LogRefundRefused(logger, purchase.Id, amount, code);
            throw (code is "REFUND_AMOUNT_EXCEEDED" or "CAPTURE_FULLY_REFUNDED"
                ? PurchaseAdminService.RefundExceeds(released.Refundable)
                : new ApiError(422, "refund_refused", "PayPal refused this refund; nothing was refunded.", "amount")
                {
                    Extensions = new Dictionary<string, object?> { ["providerCode"] = code },
                }).ToException();
        }

        var status = PaypalPurchaseReading.RefundStatusOf(refund.Status);
        await refundRequests.RecordMadeAsync(purchase.Id, refund.Id, refund.Amount.Amount, status, reason, clock.GetUtcNow(), ct);
        // The order again, with every refund of it (one made at PayPal that we have not heard of yet counts too), and this
        // refund as answered, in one write that also drops this request's reservation.
        var state = PaypalPurchaseReading.Read(await paypal.GetOrderAsync(purchase.Paypal.OrderId, ct));
        var made = new Stripe.RefundSnapshot(refund.Id, status, refund.Amount.Amount) { RefundKey = refundKey, Reason = reason, Created = refund.CreateTime };
        var updated = await purchases.MutateAsync(purchase.UserId, purchase.Id, p =>
        {
            var now = clock.GetUtcNow();
            var applied = p.ApplyRefund(made, now) is not null;
            applied |= PaypalPurchases.Apply(p, state, now);
            return p.ReleaseRefund(refundKey, now) || applied;
        }, ct);
        LogRefunded(logger, purchase.Id, refund.Amount.Amount, refund.Status);
        var body = new RefundResponse(refund.Id, refund.Amount.Amount, status, reason, PurchaseResponse.From(updated));
        return new StoredResponse(201, "application/json", JsonSerializer.Serialize(body, JsonBody.Options));
    }

    /// <summary>Reservations older than <paramref name="cutoff"/> are settled against the order's refunds as PayPal has them now.</summary>
    public async Task<Purchase> SettleStaleReservationsAsync(Purchase purchase, DateTimeOffset cutoff, CancellationToken ct)
    {
        var state = PaypalPurchaseReading.Read(await paypal.GetOrderAsync(purchase.Paypal!.OrderId, ct));
        return await purchases.MutateAsync(purchase.UserId, purchase.Id, p =>
        {
            var now = clock.GetUtcNow();
            var applied = PaypalPurchases.Apply(p, state, now);
            return p.DropReservationsBefore(cutoff, now) || applied;
        }, ct);
    }

    private async Task<Purchase> ReadAsync(Purchase purchase, CancellationToken ct) =>
        await orders.ApplyAsync(purchase.UserId, purchase.Id, await paypal.GetOrderAsync(purchase.Paypal!.OrderId, ct), ct);

    [LoggerMessage(EventId = 4411, Level = LogLevel.Information, Message = "Purchase {PurchaseId} captured {Captured} of {Authorized} at PayPal ({Status})")]
    private static partial void LogCaptured(ILogger logger, string purchaseId, long captured, long authorized, string status);

    [LoggerMessage(EventId = 4412, Level = LogLevel.Warning, Message = "Purchase {PurchaseId}: PayPal refused to capture the authorization ({Code}); it stays authorized")]
    private static partial void LogCaptureRefused(ILogger logger, string purchaseId, string code);

    [LoggerMessage(EventId = 4413, Level = LogLevel.Information, Message = "Purchase {PurchaseId} canceled ({How})")]
    private static partial void LogCanceled(ILogger logger, string purchaseId, string how);

    [LoggerMessage(EventId = 4414, Level = LogLevel.Information, Message = "Purchase {PurchaseId} PayPal refund of {Amount}: {Status}")]
    private static partial void LogRefunded(ILogger logger, string purchaseId, long amount, string status);

    [LoggerMessage(EventId = 4415, Level = LogLevel.Warning, Message = "Purchase {PurchaseId}: PayPal refused a refund of {Amount} ({Code}); nothing was refunded")]
    private static partial void LogRefundRefused(ILogger logger, string purchaseId, long amount, string code);
}
