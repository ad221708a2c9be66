using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Http;
using Payments.Core.Paypal;

namespace Payments.Core.Invoices;

/// <param name="Status">PayPal's order status: <c>PAYER_ACTION_REQUIRED</c> until the payer approves at <paramref name="ApproveUrl"/>.</param>
public sealed record PaypalShareOrderResponse(string OrderId, string? ApproveUrl, string Status, InvoicePaymentView Payment, string ShareStatus, string InvoiceStatus)
{
    public StoredResponse ToStored(int status) => new(status, "application/json", JsonSerializer.Serialize(this, JsonBody.Options));
}

/// <summary>
/// Paying a share through PayPal: a member (for their share, or covering another's) gets a PayPal order for the share's
/// amount to approve; the share is claimed (ETag) before PayPal is called, exactly as for a card, and held by that
/// payment while the payer is at PayPal (15 minutes without an authorization and another payer may take it over).
/// Completing (the payer's return, or <c>CHECKOUT.ORDER.APPROVED</c> when they never come back) authorizes the order:
/// intent AUTHORIZE, so the money is held like a card's and captured only when the invoice is funded.
/// </summary>
public sealed partial class InvoicePaypalPayments(
    InvoiceStore store, IdempotentRequests idempotency, PaypalClient paypal, InvoicePaypalCalls calls, InvoicePaypalSync sync, InvoiceClosing closing,
    IOptions<InvoiceOptions> options, IOptions<PaypalOptions> paypalOptions, TimeProvider clock, ILogger<InvoicePaypalPayments> logger)
{
    /// <summary><c>POST /api/invoices/{id}/shares/{memberId}/paypal-orders</c>: 201 with the order to approve; a repeat (same key) the same answer.</summary>
    public Task<StoredResponse> CreateOrderAsync(Caller caller, string invoiceId, string memberId, string idempotencyKey, CancellationToken ct) =>
        idempotency.RunAsync(caller.UserId, $"invoice-paypal:{invoiceId}:{memberId}", idempotencyKey, IdempotentRequests.Hash(memberId), Ids.New("ipay"),
            validate: async token =>
            {
                var invoice = await store.GetAsync(invoiceId, token);
                if (!invoice.IsMember(caller.UserId))
                    throw InvoiceErrors.NotFound().ToException();
                if (!paypalOptions.Value.IsConfigured)
                    throw InvoicePaypalErrors.Unavailable().ToException();
                var share = invoice.RequirePayable(memberId, clock.GetUtcNow(), resumingPayerId: caller.UserId);
                RequirePaypalTakes(new Money(share.Amount, invoice.Header.Totals!.Currency));
            },
            work: (paymentId, token) => StartAsync(caller, invoiceId, memberId, paymentId, token),
            ct,
            // This very request failed half-way after recording its payment: it goes on with it (the order's request id replays).
            resume: async (paymentId, token) => (await store.GetAsync(invoiceId, token)).Payment(paymentId) is not null);

    private async Task<StoredResponse> StartAsync(Caller caller, string invoiceId, string memberId, string paymentId, CancellationToken ct)
    {
        var invoice = await store.MutateAsync(invoiceId, i =>
        {
            if (i.Payment(paymentId) is not null)
                return false;
            i.ClaimShareForPaypal(memberId, caller.UserId, paymentId, clock.GetUtcNow());
            return true;
        }, ct);
        if (invoice.HoldsToVoid.Count > 0)
            invoice = await closing.VoidHoldsAsync(invoiceId, ct); // the abandoned payment this one took over from
        var payment = invoice.Payment(paymentId)!;
        if (payment.Paypal?.OrderId is null)
        {
            PaypalOrder order;
            try
            {
                order = await paypal.CreateOrderAsync(OrderFor(invoice, payment), InvoicePaypalRequestIds.Order(invoiceId, paymentId), ct);
            }
            catch (PaypalException ex) when (ex.Category != PaypalErrorCategory.Retry)
            {
                // Nothing exists at PayPal: the share is free again at once.
                await store.MutateAsync(invoiceId, i =>
                {
                    i.Decline(paymentId, null, InvoicePaypalCalls.CodeOf(ex), null, clock.GetUtcNow());
                    return true;
                }, ct);
                return ProblemMapper.Stored(InvoicePaypalErrors.Rejected(ex, invoiceId, paymentId));
            }
            catch (PaypalException)
            {
                throw ApiErrors.PaymentProviderUnavailable().ToException();
            }
            invoice = await calls.ApplyAsync(invoiceId, paymentId, order, ct);
        }
        payment = invoice.Payment(paymentId)!;
        LogOrderCreated(logger, invoiceId, paymentId, payment.MemberId, payment.Paypal!.OrderId!);
        return new PaypalShareOrderResponse(payment.Paypal.OrderId!, payment.Paypal.ApproveUrl, payment.Paypal.OrderStatus ?? PaypalOrderStatus.PayerActionRequired,
            InvoiceView.Payment(payment, caller.UserId), invoice.Share(memberId)!.Status.ToWire(), invoice.Status.ToWire()).ToStored(201);
    }

    /// <summary><c>POST /api/invoices/{id}/paypal-orders/{orderId}/complete</c>, by any member (the payer back from PayPal).</summary>
    public async Task<PayShareResponse> CompleteForCallerAsync(Caller caller, string invoiceId, string orderId, CancellationToken ct)
    {
        var invoice = await store.GetAsync(invoiceId, ct);
        if (!invoice.IsMember(caller.UserId))
            throw InvoiceErrors.NotFound().ToException();
        var payment = invoice.PaymentForOrder(orderId) ?? throw InvoicePaypalErrors.OrderNotFound().ToException();
        invoice = await CompleteAsync(invoiceId, payment.Id, ct);
        payment = invoice.Payment(payment.Id)!;
        return new PayShareResponse(InvoiceView.Payment(payment, caller.UserId), invoice.Share(payment.MemberId)!.Status.ToWire(), invoice.Status.ToWire());
    }

    /// <summary>
    /// The payer approved: authorize the order (once per order, by its request id), record PayPal's authorization and
    /// settle as a card payment does (void it if the share or the invoice moved on meanwhile, fund if it was the last
    /// share). Safe to run twice and side by side (the payer's return and the webhook). Throws the caller's answer when
    /// PayPal sends the payer back (402, the payment keeps the share), refuses (422, the share is free again), or when
    /// the share or invoice moved on (409).
    /// </summary>
    public async Task<Invoice> CompleteAsync(string invoiceId, string paymentId, CancellationToken ct)
    {
        var invoice = await store.GetAsync(invoiceId, ct);
        var payment = invoice.Payment(paymentId) is { Paypal.OrderId: not null } found ? found : throw InvoicePaypalErrors.OrderNotFound().ToException();
        if (payment.Status.Rank() < InvoicePaymentStatus.Authorized.Rank() && payment.Status != InvoicePaymentStatus.Failed)
        {
            if (invoice.Status.IsEndingOrEnded() || invoice.Share(payment.MemberId)?.PaymentId != payment.Id)
            {
                // Nothing is authorized for a payment that no longer holds its share: the approved order just expires at PayPal.
                var closed = invoice.Status.IsEndingOrEnded();
                await store.MutateAsync(invoiceId, i =>
                {
                    i.Decline(paymentId, null, closed ? "invoice_closed" : "share_taken_over", null, clock.GetUtcNow());
                    return true;
                }, ct);
                throw (closed ? InvoiceErrors.Closed(invoice.Status) : InvoiceErrors.AlreadyCovered()).ToException();
            }
            invoice = await calls.ApplyAsync(invoiceId, paymentId, await AuthorizeAsync(invoiceId, payment, ct), ct);
        }
        return await SettleAsync(invoice, paymentId, ct);
    }

    private async Task<PaypalOrder> AuthorizeAsync(string invoiceId, InvoicePayment payment, CancellationToken ct)
    {
        var orderId = payment.Paypal!.OrderId!;
        try
        {
            return await paypal.AuthorizeOrderAsync(orderId, InvoicePaypalRequestIds.Authorize(orderId), ct);
        }
        catch (PaypalException ex) when (ex.Category == PaypalErrorCategory.AlreadyDone)
        {
            // Authorized by the other door (the webhook, or a first request whose answer was lost).
            return await paypal.GetOrderAsync(orderId, ct);
        }
        catch (PaypalException ex) when (ex.Category == PaypalErrorCategory.SendPayerBack)
        {
            var code = InvoicePaypalCalls.CodeOf(ex);
            await store.MutateAsync(invoiceId, i => i.PaypalSentBack(payment.Id, code, clock.GetUtcNow()), ct);
            LogSentBack(logger, invoiceId, payment.Id, ex.Issue ?? ex.Name);
            throw InvoicePaypalErrors.SendPayerBack(code, payment.Paypal.ApproveUrl, invoiceId, payment.Id, ex.Message).ToException();
        }
        catch (PaypalException ex) when (ex.Category == PaypalErrorCategory.Final)
        {
            // The order expired, or PayPal will not take it: the share is free to pay again (a new order).
            await store.MutateAsync(invoiceId, i =>
            {
                i.Decline(payment.Id, null, InvoicePaypalCalls.CodeOf(ex), null, clock.GetUtcNow());
                return true;
            }, ct);
            throw InvoicePaypalErrors.Rejected(ex, invoiceId, payment.Id).ToException();
        }
        catch (PaypalException)
        {
            throw ApiErrors.PaymentProviderUnavailable().ToException();
        }
    }

    /// <summary>As a card payment settles: release it if the invoice is ending or the share moved on, else fund if it was the last.</summary>
    private async Task<Invoice> SettleAsync(Invoice invoice, string paymentId, CancellationToken ct)
    {
        invoice = await sync.FollowUpAsync(invoice, paymentId, payerWaits: true, ct);
        var payment = invoice.Payment(paymentId)!;
        if (invoice.Status.IsEndingOrEnded() && payment.Status != InvoicePaymentStatus.Captured)
            throw InvoiceErrors.Closed(invoice.Status).ToException();
        if (invoice.Share(payment.MemberId)?.PaymentId is { } holder && holder != paymentId)
            throw InvoiceErrors.AlreadyCovered().ToException();
        if (payment.Status is InvoicePaymentStatus.Failed or InvoicePaymentStatus.Canceled)
            throw InvoiceErrors.InvalidState($"This PayPal payment ended without money ({payment.ErrorCode}); pay the share again.").ToException();
        var status = payment.Status.ToWire();
        LogCompleted(logger, invoice.Id, paymentId, payment.MemberId, status);
        return invoice;
    }

    private static void RequirePaypalTakes(Money share)
    {
        try
        {
            _ = PaypalAmount.From(share);
        }
        catch (PaypalAmountException)
        {
            throw InvoicePaypalErrors.CurrencyNotSupported(share.Currency).ToException();
        }
    }

    private PaypalOrderRequest OrderFor(Invoice invoice, InvoicePayment payment)
    {
        var description = $"Share of {invoice.Header.Title ?? "group invoice"} ({invoice.Id})";
        return new PaypalOrderRequest(
            PaypalIntent.Authorize,
            [new PaypalPurchaseUnitRequest(payment.Id, new Money(payment.Amount, payment.Currency),
                CustomId: InvoicePaypalSnapshot.CustomId(invoice.Id, payment.Id), InvoiceId: payment.Id,
                Description: description.Length <= 127 ? description : description[..127])],
            options.Value.PaypalReturnUrl.Replace("{invoiceId}", invoice.Id, StringComparison.Ordinal),
            options.Value.PaypalCancelUrl.Replace("{invoiceId}", invoice.Id, StringComparison.Ordinal));
    }

    [LoggerMessage(EventId = 6821, Level = LogLevel.Information, Message = "Invoice {InvoiceId}: PayPal payment {PaymentId} toward {MemberId}'s share has order {OrderId}")]
    private static partial void LogOrderCreated(ILogger logger, string invoiceId, string paymentId, string memberId, string orderId);

    [LoggerMessage(EventId = 6822, Level = LogLevel.Information, Message = "Invoice {InvoiceId}: PayPal payment {PaymentId} toward {MemberId}'s share is {Status}")]
    private static partial void LogCompleted(ILogger logger, string invoiceId, string paymentId, string memberId, string status);

    [LoggerMessage(EventId = 6823, Level = LogLevel.Information, Message = "Invoice {InvoiceId}: PayPal sent the payer of {PaymentId} back ({Issue})")]
    private static partial void LogSentBack(ILogger logger, string invoiceId, string paymentId, string? issue);
}
