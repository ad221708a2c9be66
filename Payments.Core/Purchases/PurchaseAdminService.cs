using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Payments.Core.Http;
using Payments.Core.Storage;
using Payments.Core.Stripe;

namespace Payments.Core.Purchases;

public sealed record RefundRequest(long? Amount = null, string? Reason = null);

public sealed record RefundResponse(string RefundId, long Amount, string Status, string? Reason, PurchaseResponse Purchase);

/// <summary>What staff do after the sale: capture (once, in part or all), void, ship, refund.</summary>
public sealed partial class PurchaseAdminService(
    PurchaseStore purchases,
    PaymentIntentSync sync,
    IStripeGateway stripe,
    IdempotentRequests idempotency,
    PaymentsStorage storage,
    TimeProvider clock,
    ILogger<PurchaseAdminService> logger)
{
    private static readonly HashSet<string> RefundReasons = ["duplicate", "fraudulent", "requested_by_customer"];
    private readonly TableClient _refunds = storage.Table(TableNames.Refunds);

    public async Task<Purchase> FindAsync(string purchaseId, CancellationToken ct) =>
        (await purchases.FindByIdAsync(purchaseId, ct))?.Purchase ?? throw ApiErrors.NotFound("purchase").ToException();

    /// <summary>Captures an authorization once; a smaller amount releases the rest (for example, items out of stock).</summary>
    public async Task<Purchase> CaptureAsync(string purchaseId, long? amount, CancellationToken ct)
    {
        var purchase = await FindAsync(purchaseId, ct);
        if (purchase.Status != PurchaseStatus.Authorized)
            throw (purchase.AmountCaptured > 0
                ? new ApiError(409, "already_captured", "This purchase was captured already; a capture happens once.")
                : PurchaseErrors.InvalidState($"Only an authorized purchase can be captured; this one is {purchase.Status.ToWire()}.")).ToException();
        if (amount is { } requested && (requested <= 0 || requested > purchase.AmountAuthorized))
            throw ApiErrors.Validation("amount", $"amount is 1 to {purchase.AmountAuthorized}, the amount authorized.").ToException();

        PaymentIntentSnapshot intent;
        try
        {
            intent = await stripe.CapturePaymentIntentAsync(purchase.PaymentIntentId!, amount, IdempotencyKeys.Capture(purchaseId), ct);
        }
        catch (PaymentProviderException ex) when (ex.Failure is PaymentProviderFailure.Idempotency or PaymentProviderFailure.InvalidRequest)
        {
            // A concurrent capture got there first (or with another amount): report what Stripe now holds.
            await sync.SyncAsync(purchase.PaymentIntentId!, ct);
            throw new ApiError(409, "already_captured", "This purchase was captured already; a capture happens once.").ToException();
        }
        var captured = await purchases.MutateAsync(purchase.UserId, purchaseId, p => p.Apply(intent, clock.GetUtcNow()), ct);
        LogCaptured(logger, purchaseId, captured.AmountCaptured, purchase.AmountAuthorized);
        return captured;
    }

    /// <summary>Voids an authorization or abandons a payment that has not succeeded.</summary>
    public async Task<Purchase> CancelAsync(string purchaseId, CancellationToken ct)
    {
        var purchase = await FindAsync(purchaseId, ct);
        if (purchase.Status == PurchaseStatus.Canceled)
            return purchase;
        if (purchase.PaymentIntentId is null || purchase.Status is not (PurchaseStatus.Authorized or PurchaseStatus.AwaitingPayment or PurchaseStatus.RequiresAction or PurchaseStatus.Failed))
            throw PurchaseErrors.InvalidState($"A {purchase.Status.ToWire()} purchase cannot be canceled; refund it instead.").ToException();
        var intent = await stripe.CancelPaymentIntentAsync(purchase.PaymentIntentId, IdempotencyKeys.Cancel(purchaseId), ct);
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
                var current = await FindAsync(purchaseId, token);
                if (current.Status is not (PurchaseStatus.Succeeded or PurchaseStatus.PartiallyRefunded))
                    throw PurchaseErrors.InvalidState($"Only a captured purchase can be refunded; this one is {current.Status.ToWire()}.").ToException();
                amount = request.Amount ?? current.Refundable;
                if (amount <= 0 || amount > current.Refundable)
                    throw new ApiError(422, "refund_exceeds_captured", $"At most {current.Refundable} can still be refunded.", "amount").ToException();
            },
            work: async (_, token) =>
            {
                var refund = await stripe.CreateRefundAsync(purchase.PaymentIntentId!, amount, request.Reason,
                    IdempotencyKeys.Refund(purchaseId, idempotencyKey), token);
                await _refunds.UpsertEntityAsync(new TableEntity(purchaseId, refund.Id)
                {
                    ["Amount"] = refund.Amount,
                    ["Status"] = refund.Status,
                    ["Reason"] = request.Reason,
                    ["Created"] = clock.GetUtcNow(),
                }, TableUpdateMode.Replace, token);
                var updated = await sync.SyncAsync(purchase.PaymentIntentId!, token) ?? purchase;
                LogRefunded(logger, purchaseId, refund.Amount, refund.Status);
                var body = new RefundResponse(refund.Id, refund.Amount, refund.Status, request.Reason, PurchaseResponse.From(updated));
                return new StoredResponse(201, "application/json", JsonSerializer.Serialize(body, JsonBody.Options));
            },
            ct);
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Purchase {PurchaseId} captured {Captured} of {Authorized}")]
    private static partial void LogCaptured(ILogger logger, string purchaseId, long captured, long authorized);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Information, Message = "Purchase {PurchaseId} canceled")]
    private static partial void LogCanceled(ILogger logger, string purchaseId);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Information, Message = "Purchase {PurchaseId} refund of {Amount}: {Status}")]
    private static partial void LogRefunded(ILogger logger, string purchaseId, long amount, string status);
}
