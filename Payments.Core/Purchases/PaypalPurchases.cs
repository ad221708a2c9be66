using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Catalog;
using Payments.Core.Http;
using Payments.Core.Paypal;

namespace Payments.Core.Purchases;

/// <summary>
/// Purchases paid through PayPal checkout: the order (intent CAPTURE for capture-now purchases, AUTHORIZE for
/// capture-later ones), its completion (the payer's return, or <c>CHECKOUT.ORDER.APPROVED</c> when they never come
/// back), and applying the order as PayPal has it whenever it changes. Every PayPal POST carries a request id derived
/// from our ids (<see cref="PaypalRequestId"/>), so a retry, a second delivery or the payer and the webhook at once ask
/// PayPal for one effect; every write goes through the purchase row's ETag (<see cref="PurchaseStore.MutateAsync"/>).
/// </summary>
public sealed partial class PaypalPurchases(
    PurchaseStore purchases, PaypalClient paypal, IOptions<PurchasePaypalOptions> options, IOptions<PaypalOptions> paypalOptions,
    TimeProvider clock, ILogger<PaypalPurchases> logger) : IPaypalOrderOwner
{
    /// <summary>Waits before asking PayPal again while another request with the same request id is still running.</summary>
    private static readonly TimeSpan[] InProgressWaits = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(900)];

    /// <summary>What completing an order came to.</summary>
    public enum CompletionOutcome { Done, AwaitsPayer, Declined }

    public sealed record Completion(Purchase Purchase, CompletionOutcome Outcome, string? DeclineCode = null);

    /// <summary>Refused before a row or a PayPal call: PayPal is off here, does not take the currency, or cannot say the amount exactly.</summary>
    public void RequirePayable(Money total)
    {
        if (!paypalOptions.Value.IsConfigured)
            throw new ApiError(422, "payment_method_unavailable", "PayPal is not available here; pay with a card.", "paymentMethod").ToException();
        if (!PaypalAmount.Supports(total.Currency))
            throw new ApiError(422, "currency_not_supported", $"PayPal does not take {total.Currency}; pay with a card.", "paymentMethod").ToException();
        try
        {
            PaypalAmount.From(total);
        }
        catch (PaypalAmountException)
        {
            throw new ApiError(422, "amount_not_supported", $"PayPal takes {total.Currency} in whole units only; pay with a card.", "paymentMethod").ToException();
        }
    }

    /// <summary>The row, then the order (one per purchase: a resumed request gets PayPal's answer to the first again).</summary>
    public async Task<StoredResponse> StartAsync(Caller caller, string purchaseId, Quote quote, CaptureMethod captureMethod, CancellationToken ct)
    {
        var purchase = Purchase.StartWithPaypal(purchaseId, caller.UserId, quote, captureMethod, caller.Email, clock.GetUtcNow());
        await purchases.TryInsertAsync(purchase, ct);
        PaypalOrder order;
        try
        {
            order = await paypal.CreateOrderAsync(OrderFor(purchase), PaypalRequestId.PurchaseOrder(purchaseId), ct);
        }
        catch (PaypalException ex) when (IsFinal(ex))
        {
            // Nothing exists at PayPal: the purchase ends with PayPal's reason, as a card purchase Stripe refuses does.
            await purchases.MutateAsync(caller.UserId, purchaseId, p =>
            {
                p.Reject(ex.Issue ?? ex.Name ?? "paypal_rejected", clock.GetUtcNow());
                return true;
            }, ct);
            var problem = ProblemMapper.FromPaypal(ex);
            throw (problem with { Extensions = new Dictionary<string, object?>(problem.Extensions) { ["purchaseId"] = purchaseId } }).ToException();
        }
        var started = await ApplyAsync(caller.UserId, purchaseId, order, ct);
        LogOrderCreated(logger, purchaseId, order.Id, order.Intent);
        return PurchaseResponse.From(started).ToStored(201);
    }

    /// <summary>The payer came back from PayPal: complete their purchase (<c>POST /api/me/purchases/{id}/paypal/complete</c>).</summary>
    public async Task<Purchase> CompleteForPayerAsync(Caller caller, string purchaseId, CancellationToken ct)
    {
        var purchase = (await purchases.FindAsync(caller.UserId, purchaseId, ct))?.Purchase ?? throw ApiErrors.NotFound("purchase").ToException();
        if (purchase.Paypal is null)
            throw PurchaseErrors.NotPaypal().ToException();
        var completion = await CompleteAsync(purchase, null, ct);
        return completion.Outcome switch
        {
            CompletionOutcome.AwaitsPayer => throw PurchaseErrors.PaypalNotApproved(purchaseId, completion.Purchase.Paypal?.ApproveUrl).ToException(),
            CompletionOutcome.Declined => throw PurchaseErrors.PaypalDeclined(purchaseId, completion.Purchase.Paypal?.ApproveUrl, completion.DeclineCode!).ToException(),
            _ => completion.Purchase,
        };
    }

    // --- IPaypalOrderOwner: PayPal's events ---------------------------------------------------------

    public bool Owns(PaypalOrder order) => PaypalPurchaseReading.PurchaseIdOf(order) is not null;

    /// <summary><c>CHECKOUT.ORDER.APPROVED</c>: the payer may never return, so complete here too. A decline is recorded; the payer's next visit shows it.</summary>
    public async Task CompleteAsync(PaypalOrder order, CancellationToken ct)
    {
        if (await FindAsync(order, ct) is { } purchase)
            await CompleteAsync(purchase, order, ct);
    }

    public async Task ApplyAsync(PaypalOrder order, CancellationToken ct)
    {
        if (await FindAsync(order, ct) is { } purchase)
            await ApplyAsync(purchase.UserId, purchase.Id, order, ct);
    }

    // --- Shared -------------------------------------------------------------------------------------

    /// <summary>
    /// Captures (intent CAPTURE) or authorizes (AUTHORIZE) an approved order, once: the request id is the order's, so the
    /// payer's return and the webhook racing each other ask PayPal for one effect (the second is answered the first's
    /// state, or waits while it runs). Only a purchase still waiting for its payment is completed: one canceled
    /// meanwhile is not charged.
    /// </summary>
    public async Task<Completion> CompleteAsync(Purchase purchase, PaypalOrder? known, CancellationToken ct)
    {
        var orderId = purchase.Paypal?.OrderId ?? throw PurchaseErrors.NotPaypal().ToException();
        if (purchase.Status is not (PurchaseStatus.Pending or PurchaseStatus.AwaitingPayment) || purchase.Paypal.CaptureId is not null)
            return new Completion(purchase, CompletionOutcome.Done);
        var order = known ?? await paypal.GetOrderAsync(orderId, ct);
        if (order.Status == PaypalOrderStatus.Approved)
        {
            try
            {
                order = await CaptureOrAuthorizeAsync(purchase, orderId, ct);
            }
            catch (PaypalException ex) when (ex.Category == PaypalErrorCategory.AlreadyDone)
            {
                order = await paypal.GetOrderAsync(orderId, ct);
            }
            catch (PaypalException ex) when (ex.Category == PaypalErrorCategory.SendPayerBack)
            {
                var code = ex.Issue ?? ex.Name ?? "INSTRUMENT_DECLINED";
                var declined = await purchases.MutateAsync(purchase.UserId, purchase.Id, p => p.RecordPaypalDecline(code, clock.GetUtcNow()), ct);
                LogDeclined(logger, purchase.Id, orderId, code);
                return new Completion(declined, CompletionOutcome.Declined, code);
            }
        }
        var applied = await ApplyAsync(purchase.UserId, purchase.Id, order, ct);
        return new Completion(applied, PaypalOrderStatus.AwaitsPayer(order.Status) ? CompletionOutcome.AwaitsPayer : CompletionOutcome.Done);
    }

    /// <summary>Applies the order as read, with every refund of it, in one write under the row's ETag.</summary>
    public async Task<Purchase> ApplyAsync(string userId, string purchaseId, PaypalOrder order, CancellationToken ct)
    {
        var state = PaypalPurchaseReading.Read(order);
        return await purchases.MutateAsync(userId, purchaseId, p => Apply(p, state, clock.GetUtcNow()), ct);
    }

    /// <summary>The order's state and each of its refunds; true when anything changed.</summary>
    internal static bool Apply(Purchase purchase, PaypalPurchaseState state, DateTimeOffset now)
    {
        var changed = purchase.ApplyPaypal(state, now);
        foreach (var refund in state.Refunds)
            changed |= purchase.ApplyRefund(refund, now) is not null;
        return changed;
    }

    private async Task<PaypalOrder> CaptureOrAuthorizeAsync(Purchase purchase, string orderId, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return purchase.CaptureMethod == CaptureMethod.Manual
                    ? await paypal.AuthorizeOrderAsync(orderId, PaypalRequestId.OrderAuthorize(orderId), ct)
                    : await paypal.CaptureOrderAsync(orderId, PaypalRequestId.OrderCapture(orderId), ct);
            }
            catch (PaypalException ex) when (IsInProgress(ex) && attempt < InProgressWaits.Length)
            {
                // The other completion (the payer's return, or the webhook) holds the request id: its answer comes shortly.
                await Task.Delay(InProgressWaits[attempt], clock, ct);
            }
        }
    }

    private async Task<Purchase?> FindAsync(PaypalOrder order, CancellationToken ct)
    {
        var purchaseId = PaypalPurchaseReading.PurchaseIdOf(order);
        var found = purchaseId is null ? null : await purchases.FindByIdAsync(purchaseId, ct);
        if (found is null)
            LogUnknown(logger, order.Id, purchaseId);
        return found?.Purchase;
    }

    private PaypalOrderRequest OrderFor(Purchase purchase)
    {
        var o = options.Value;
        return new PaypalOrderRequest(
            purchase.CaptureMethod == CaptureMethod.Manual ? PaypalIntent.Authorize : PaypalIntent.Capture,
            [new PaypalPurchaseUnitRequest(purchase.Id, new Money(purchase.Total, purchase.Currency),
                CustomId: PaypalPurchaseReading.CustomIdOf(purchase.Id), InvoiceId: purchase.Id, Description: Describe(purchase))],
            o.ReturnUrlFor(purchase.Id), o.CancelUrlFor(purchase.Id), string.IsNullOrWhiteSpace(o.BrandName) ? null : o.BrandName);
    }

    /// <summary>What the payer sees on PayPal's page (at most 127 characters).</summary>
    private static string Describe(Purchase purchase)
    {
        var text = string.Join(", ", purchase.Quote.Lines.Select(l => l.Quantity == 1 ? l.Name : $"{l.Quantity} x {l.Name}"));
        return text.Length <= 127 ? text : text[..124] + "...";
    }

    internal static bool IsFinal(PaypalException ex) =>
        ex.Category is not PaypalErrorCategory.Retry && !ex.IsAuthentication && ex.Name != "NOT_CONFIGURED";

    private static bool IsInProgress(PaypalException ex) =>
        (ex.Issue ?? ex.Name) is "PREVIOUS_REQUEST_IN_PROGRESS" or "ORDER_COMPLETION_IN_PROGRESS";

    [LoggerMessage(EventId = 4401, Level = LogLevel.Information, Message = "Purchase {PurchaseId}: PayPal order {OrderId} (intent {Intent}) awaits the payer")]
    private static partial void LogOrderCreated(ILogger logger, string purchaseId, string orderId, string? intent);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Information, Message = "Purchase {PurchaseId}: PayPal declined the payer's funding for order {OrderId} ({Code}); the payer is sent back to approve again")]
    private static partial void LogDeclined(ILogger logger, string purchaseId, string orderId, string code);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Warning, Message = "PayPal order {OrderId} names purchase {PurchaseId}, which we do not have; ignored")]
    private static partial void LogUnknown(ILogger logger, string orderId, string? purchaseId);
}
