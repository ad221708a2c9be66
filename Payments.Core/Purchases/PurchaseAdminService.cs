using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Payments.Core.Http;
using Payments.Core.Storage;
using Payments.Core.Stripe;

namespace Payments.Core.Purchases;

public sealed record RefundRequest(long? Amount = null, string? Reason = null) : IOptionalRequest<RefundRequest>
{
    public static RefundRequest WhenEmpty { get; } = new();
}

public sealed record RefundResponse(string RefundId, long Amount, string Status, string? Reason, PurchaseResponse Purchase);

/// <summary>What staff do after the sale: capture (once, in part or all), void, ship, refund.</summary>
public sealed partial class PurchaseAdminService(
    PurchaseStore purchases,
    PaymentIntentSync sync,
    IStripeGateway stripe,
    KeyedStripeCall keyed,
    IdempotentRequests idempotency,
    RefundRequestStore refundRequests,
    PaypalPurchaseAdmin paypal,
    TimeProvider clock,
    ILogger<PurchaseAdminService> logger)
{
    private static readonly HashSet<string> RefundReasons = ["duplicate", "fraudulent", "requested_by_customer"];

    /// <summary>A reservation this old belongs to a request that died without an answer (Stripe.net gives up well before).</summary>
    public static readonly TimeSpan StaleReservation = TimeSpan.FromMinutes(5);

    public async Task<Purchase> FindAsync(string purchaseId, CancellationToken ct) =>
        (await purchases.FindByIdAsync(purchaseId, ct))?.Purchase ?? throw ApiErrors.NotFound("purchase").ToException();

    /// <summary>Captures an authorization once; a smaller amount releases the rest (for example, items out of stock).</summary>
    public async Task<Purchase> CaptureAsync(string purchaseId, long? amount, CancellationToken ct)
    {
        var purchase = await FindAsync(purchaseId, ct);
        if (purchase.Status != PurchaseStatus.Authorized)
            throw (purchase.AmountCaptured > 0
                ? AlreadyCaptured()
                : PurchaseErrors.InvalidState($"Only an authorized purchase can be captured; this one is {purchase.Status.ToWire()}.")).ToException();
        if (amount is { } requested && (requested <= 0 || requested > purchase.AmountAuthorized))
            throw ApiErrors.Validation("amount", $"amount is 1 to {purchase.AmountAuthorized}, the amount authorized.").ToException();
        if (purchase.PaymentMethod == PurchasePaymentMethod.Paypal)
            return await paypal.CaptureAsync(purchase, amount, ct);

        PaymentIntentSnapshot intent;
        try
        {
            intent = await keyed.RunAsync(IdempotencyKeys.Capture(purchaseId),
                key => stripe.CapturePaymentIntentAsync(purchase.PaymentIntentId!, amount, key, ct),
                async () => await stripe.GetPaymentIntentAsync(purchase.PaymentIntentId!, ct) is { Status: "succeeded" } done ? done : null,
                ct);
        }
        catch (PaymentProviderException ex) when (ex.Code == "payment_intent_unexpected_state"
            || (ex.Failure == PaymentProviderFailure.Idempotency && !ex.IsTransient))
        {
            // Stripe holds another state (a concurrent capture, perhaps of another amount under our one capture key;
            // a cancel; a lapse): report what it is now.
            var now = await sync.SyncAsync(purchase.PaymentIntentId!, ct) ?? purchase;
            throw (now.AmountCaptured > 0
                ? AlreadyCaptured()
                : PurchaseErrors.InvalidState($"Only an authorized purchase can be captured; this one is {now.Status.ToWire()}.")).ToException();
        }
        catch (PaymentProviderException ex) when (ex.Code == "amount_too_large")
        {
            throw ApiErrors.Validation("amount", "amount is more than Stripe can still capture.").ToException();
        }
        var captured = await purchases.MutateAsync(purchase.UserId, purchaseId, p => p.Apply(intent, clock.GetUtcNow()), ct);
        LogCaptured(logger, purchaseId, captured.AmountCaptured, purchase.AmountAuthorized);
        return captured;
    }

    /// <summary>Voids an authorization or abandons a payment that has not succeeded.</summary>
    public async Task<Purchase> CancelAsync(string purchaseId, CancellationToken ct)
    {
        var purchase = await FindAsync(purchaseId, ct);
        if (purchase.Status is PurchaseStatus.Canceled or PurchaseStatus.Expired)
            return purchase;
        if (purchase.PaymentMethod == PurchasePaymentMethod.Paypal)
            return await paypal.CancelAsync(purchase, ct);
        if (purchase.PaymentIntentId is null || purchase.Status is not (PurchaseStatus.Authorized or PurchaseStatus.AwaitingPayment or PurchaseStatus.RequiresAction or PurchaseStatus.Failed))
            throw PurchaseErrors.InvalidState($"A {purchase.Status.ToWire()} purchase cannot be canceled; refund it instead.").ToException();
        var intentId = purchase.PaymentIntentId;
        PaymentIntentSnapshot intent;
        try
        {
            intent = await keyed.RunAsync(IdempotencyKeys.Cancel(purchaseId),
                key => stripe.CancelPaymentIntentAsync(intentId, key, ct),
                async () => await stripe.GetPaymentIntentAsync(intentId, ct) is { Status: "canceled" } done ? done : null,
                ct);
        }
        catch (PaymentProviderException ex) when (ex.Code == "payment_intent_unexpected_state")
        {
            var now = await sync.SyncAsync(intentId, ct) ?? purchase;
            throw PurchaseErrors.InvalidState($"A {now.Status.ToWire()} purchase cannot be canceled; refund it instead.").ToException();
        }
        var canceled = await purchases.MutateAsync(purchase.UserId, purchaseId, p => p.Apply(intent, clock.GetUtcNow()), ct);
        LogCanceled(logger, purchaseId);
        return canceled;
    }

    public async Task<Purchase> ShipAsync(string purchaseId, string carrier, string trackingNumber, CancellationToken ct)
    {
        var purchase = await FindAsync(purchaseId, ct);
        try
        {
            return await purchases.MutateAsync(purchase.UserId, purchaseId, p =>
            {
                p.Ship(carrier, trackingNumber, clock.GetUtcNow());
                return true;
            }, ct);
        }
        catch (InvalidOperationException ex)
        {
            throw PurchaseErrors.InvalidState(ex.Message).ToException();
        }
    }

    /// <summary>Full or partial refunds, never more than was captured in total. One refund per Idempotency-Key.</summary>
    public async Task<StoredResponse> RefundAsync(string purchaseId, RefundRequest request, string idempotencyKey, CancellationToken ct)
    {
        if (request.Reason is not null && !RefundReasons.Contains(request.Reason))
            throw ApiErrors.Validation("reason", "reason is duplicate, fraudulent or requested_by_customer.").ToException();
        var purchase = await FindAsync(purchaseId, ct);
        long amount = 0;

        return await idempotency.RunAsync(purchase.UserId, $"refund-{purchaseId}", idempotencyKey, IdempotentRequests.Hash(request), Ids.New("refund"),
            validate: async token =>
            {
                var current = await SettleStaleReservationsAsync(await FindAsync(purchaseId, token), token);
                // A retry of this very request (its answer lost) carries on with its own refund: held for it, or made and
                // counted since (the purchase may read refunded by now).
                var refundKey = RefundKeyOf(current, idempotencyKey);
                if (current.RefundReservations.TryGetValue(refundKey, out var held))
                {
                    amount = held.Amount;
                    return;
                }
                if (current.Refunds.Values.FirstOrDefault(r => r.RefundKey == refundKey) is { } made)
                {
                    amount = made.Amount;
                    return;
                }
                if (current.Status is not (PurchaseStatus.Succeeded or PurchaseStatus.PartiallyRefunded))
                    throw PurchaseErrors.InvalidState($"Only a captured purchase can be refunded; this one is {current.Status.ToWire()}.").ToException();
                amount = request.Amount ?? current.Refundable;
                if (amount <= 0 || amount > current.Refundable)
                    throw RefundExceeds(current.Refundable).ToException();
            },
            work: async (_, token) =>
            {
                var refundKey = RefundKeyOf(purchase, idempotencyKey);
                await ReserveRefundAsync(purchase, refundKey, amount, token);
                return purchase.PaymentMethod == PurchasePaymentMethod.Paypal
                    ? await paypal.RefundReservedAsync(purchase, amount, request.Reason, refundKey, idempotencyKey, token)
                    : await RefundReservedAsync(purchase, amount, request.Reason, idempotencyKey, token);
            },
            ct);
    }

    /// <summary>The refund request's one name, per provider: its key at Stripe (and metadata), or its request id and custom_id at PayPal.</summary>
    private static string RefundKeyOf(Purchase purchase, string idempotencyKey) =>
        purchase.PaymentMethod == PurchasePaymentMethod.Paypal
            ? PaypalPurchaseAdmin.RefundKey(purchase.Id, idempotencyKey)
            : IdempotencyKeys.Refund(purchase.Id, idempotencyKey);

    /// <summary>
    /// Reserves the amount on the purchase row (under its ETag) before the provider is called, so two refunds
    /// racing with different keys can never together exceed what was captured; the reservation is dropped in the
    /// same write that counts the refund, or when the provider refuses it.
    /// </summary>
    private Task<Purchase> ReserveRefundAsync(Purchase purchase, string refundKey, long amount, CancellationToken ct) =>
        purchases.MutateAsync(purchase.UserId, purchase.Id, p =>
        {
            if (p.RefundReservations.ContainsKey(refundKey) || p.Refunds.Values.Any(r => r.RefundKey == refundKey))
                return false;
            if (p.Status is not (PurchaseStatus.Succeeded or PurchaseStatus.PartiallyRefunded))
                throw PurchaseErrors.InvalidState($"Only a captured purchase can be refunded; this one is {p.Status.ToWire()}.").ToException();
            return p.TryReserveRefund(refundKey, amount, clock.GetUtcNow())
                ? true
                : throw RefundExceeds(p.Refundable).ToException();
        }, ct);

    /// <summary>
    /// Refunds at Stripe what <see cref="ReserveRefundAsync"/> reserved. After a transient failure the reservation stays:
    /// the outcome is unknown until the same key is retried, or until it is <see cref="StaleReservation"/> old and
    /// settled against Stripe's own count.
    /// </summary>
    private async Task<StoredResponse> RefundReservedAsync(Purchase purchase, long amount, string? reason, string idempotencyKey, CancellationToken ct)
    {
        var purchaseId = purchase.Id;
        var refundKey = IdempotencyKeys.Refund(purchaseId, idempotencyKey);

        RefundSnapshot refund;
        try
        {
            refund = await keyed.RunAsync(refundKey,
                key => stripe.CreateRefundAsync(purchase.PaymentIntentId!, amount, reason, refundKey, key, ct),
                () => stripe.FindRefundAsync(purchase.PaymentIntentId!, refundKey, ct),
                ct);
        }
        catch (PaymentProviderException ex) when (!ex.IsTransient)
        {
            Api.LogProvider(logger, ex);
            // Nothing was refunded: the request ends here, its reason kept beside the refunds Stripe made.
            await RecordRejectedRefundAsync(purchaseId, idempotencyKey, amount, reason, ex, ct);
            var released = await purchases.MutateAsync(purchase.UserId, purchaseId, p => p.ReleaseRefund(refundKey, clock.GetUtcNow()), ct);
            throw (ex.Code is "amount_too_large" or "charge_already_refunded"
                ? RefundExceeds(released.Refundable)
                : ProblemMapper.FromProvider(ex)).ToException();
        }

        await refundRequests.RecordMadeAsync(purchaseId, refund.Id, refund.Amount, refund.Status, reason, clock.GetUtcNow(), ct);
        var intent = await stripe.GetPaymentIntentAsync(purchase.PaymentIntentId!, ct);
        // Every refund of the intent, not only ours: one made in the Dashboard that we have not heard of yet is counted too.
        var refunds = await stripe.ListRefundsAsync(purchase.PaymentIntentId!, ct);
        var updated = await purchases.MutateAsync(purchase.UserId, purchaseId, p =>
        {
            // One write: the refunds are recorded with the status Stripe gives them (only succeeded counts as refunded;
            // pending is held back from what is refundable) and this request's reservation is dropped.
            var applied = p.Apply(intent, clock.GetUtcNow());
            applied |= p.ApplyRefund(refund, clock.GetUtcNow()) is not null;
            foreach (var other in refunds)
                applied |= p.ApplyRefund(other, clock.GetUtcNow()) is not null;
            return p.ReleaseRefund(refundKey, clock.GetUtcNow()) || applied;
        }, ct);
        LogRefunded(logger, purchaseId, refund.Amount, refund.Status);
        var body = new RefundResponse(refund.Id, refund.Amount, refund.Status, reason, PurchaseResponse.From(updated));
        return new StoredResponse(201, "application/json", JsonSerializer.Serialize(body, JsonBody.Options));
    }

    /// <summary>Reservations of requests that never finished are settled against a fresh read of Stripe's refunds of the intent.</summary>
    private async Task<Purchase> SettleStaleReservationsAsync(Purchase purchase, CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - StaleReservation;
        if (!purchase.RefundReservations.Values.Any(r => r.At < cutoff))
            return purchase;
        if (purchase.PaymentMethod == PurchasePaymentMethod.Paypal && purchase.Paypal is not null)
            return await paypal.SettleStaleReservationsAsync(purchase, cutoff, ct);
        if (purchase.PaymentIntentId is null)
            return purchase;
        var intent = await stripe.GetPaymentIntentAsync(purchase.PaymentIntentId, ct);
        var refunds = await stripe.ListRefundsAsync(purchase.PaymentIntentId, ct);
        return await purchases.MutateAsync(purchase.UserId, purchase.Id, p =>
        {
            // Every refund Stripe made is in the list (pending ones held back, succeeded ones counted), so a stale
            // reservation can go: what it stood for, if Stripe made it, is now counted by its refund.
            var applied = p.Apply(intent, clock.GetUtcNow());
            foreach (var refund in refunds)
                applied |= p.ApplyRefund(refund, clock.GetUtcNow()) is not null;
            return p.DropReservationsBefore(cutoff, clock.GetUtcNow()) || applied;
        }, ct);
    }

    private Task RecordRejectedRefundAsync(string purchaseId, string idempotencyKey, long amount, string? reason, PaymentProviderException ex, CancellationToken ct) =>
        refundRequests.RecordRejectedAsync(purchaseId, idempotencyKey, amount, reason, ex.Code ?? ex.Failure.ToString(), clock.GetUtcNow(), ct);

    internal static ApiError RefundExceeds(long refundable) =>
        new(422, "refund_exceeds_captured", $"At most {refundable} can still be refunded.", "amount");

    private static ApiError AlreadyCaptured() =>
        new(409, "already_captured", "This purchase was captured already; a capture happens once.");

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Purchase {PurchaseId} captured {Captured} of {Authorized}")]
    private static partial void LogCaptured(ILogger logger, string purchaseId, long captured, long authorized);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Information, Message = "Purchase {PurchaseId} canceled")]
    private static partial void LogCanceled(ILogger logger, string purchaseId);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Information, Message = "Purchase {PurchaseId} refund of {Amount}: {Status}")]
    private static partial void LogRefunded(ILogger logger, string purchaseId, long amount, string status);
}
