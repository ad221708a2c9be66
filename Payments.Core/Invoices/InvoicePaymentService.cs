using Microsoft.Extensions.Logging;
using Payments.Core.Cards;
using Payments.Core.Http;
using Payments.Core.Stripe;

namespace Payments.Core.Invoices;

/// <param name="PaymentMethodId">One of the payer's saved cards (our card id); leave it out for a client-confirmed PaymentIntent.</param>
public sealed record PayShareRequest(string? PaymentMethodId = null) : IOptionalRequest<PayShareRequest>
{
    public static PayShareRequest WhenEmpty { get; } = new();
}

/// <summary>
/// Paying a share, one's own or another member's: the share is claimed (ETag) before Stripe is
/// called, so two payers at once make one payment; the amount is always the share's; the money is
/// authorized now (manual capture) and captured when every share is authorized.
/// </summary>
public sealed partial class InvoicePaymentService(
    InvoiceStore store,
    CardService cards,
    CustomerAccounts customers,
    IdempotentRequests idempotency,
    IStripeGateway stripe,
    KeyedStripeCall keyed,
    InvoiceFunding funding,
    InvoiceClosing closing,
    TimeProvider clock,
    ILogger<InvoicePaymentService> logger)
{
    public Task<StoredResponse> PayAsync(Caller caller, string invoiceId, string memberId, PayShareRequest request, string idempotencyKey, CancellationToken ct)
    {
        Card? card = null;
        string? customerId = null;
        return idempotency.RunAsync(caller.UserId, $"invoice-pay:{invoiceId}:{memberId}", idempotencyKey, IdempotentRequests.Hash(request), Ids.New("ipay"),
            validate: async token =>
            {
                var invoice = await store.GetAsync(invoiceId, token);
                if (!invoice.IsMember(caller.UserId))
                    throw InvoiceErrors.NotFound().ToException();
                invoice.RequirePayable(memberId, clock.GetUtcNow(), resumingPayerId: caller.UserId);
                if (request.PaymentMethodId is { } cardId)
                {
                    card = await cards.FindUsableAsync(caller.UserId, cardId, token) ?? throw CardNotUsable().ToException();
                    customerId = await customers.FindAsync(caller.UserId, token) ?? throw CardNotUsable().ToException();
                }
            },
            work: async (paymentId, token) =>
            {
                var invoice = await store.MutateAsync(invoiceId, i =>
                {
                    if (i.Payment(paymentId) is not null)
                        return false;
                    i.ClaimShare(memberId, caller.UserId, paymentId, card?.Id, clock.GetUtcNow());
                    return true;
                }, token);
                if (invoice.HoldsToVoid.Count > 0)
                    await closing.VoidHoldsAsync(invoiceId, token); // the abandoned payment this one took over from
                var payment = invoice.Payment(paymentId)!;
                if (payment.PaymentIntentId is { } intentId)
                    // A retry of a request whose intent exists: answer the payment as it is now (with its client secret).
                    return await SettleAsync(caller, invoiceId, paymentId, await stripe.GetPaymentIntentAsync(intentId, token), 201, token);
                return card is null
                    ? await ClientConfirmedAsync(caller, invoice, payment, token)
                    : await ChargeSavedCardAsync(caller, invoice, payment, card, customerId!, token);
            },
            ct,
            resume: async (paymentId, token) =>
            {
                // This very request (same key) failed half-way after recording its payment: it goes on with
                // that payment whatever moved it since (3-D Secure, an event), instead of checking the share
                // again and answering 409 share_already_covered about the payer's own payment.
                var invoice = await store.GetAsync(invoiceId, token);
                if (invoice.Payment(paymentId) is not { } own)
                    return false;
                if (own.CardId is { } cardId && own.PaymentIntentId is null)
                {
                    card = await cards.FindUsableAsync(caller.UserId, cardId, token) ?? throw CardNotUsable().ToException();
                    customerId = await customers.FindAsync(caller.UserId, token) ?? throw CardNotUsable().ToException();
                }
                return true;
            });
    }

    private async Task<StoredResponse> ChargeSavedCardAsync(Caller caller, Invoice invoice, InvoicePayment payment, Card card, string customerId, CancellationToken ct)
    {
        PaymentIntentSnapshot intent;
        try
        {
            intent = await CreateIntentAsync(invoice, payment, customerId, card.StripePaymentMethodId, caller.Email, ct);
        }
        catch (PaymentProviderException ex) when (ex.Failure == PaymentProviderFailure.Card)
        {
            await store.MutateAsync(invoice.Id, i =>
            {
                i.Decline(payment.Id, ex.PaymentIntentId, ex.Code, ex.DeclineCode, clock.GetUtcNow());
                return true;
            }, ct);
            var advice = await cards.AdviseOnDeclineAsync(caller.UserId, card.Id, ex.Code, ex.DeclineCode, ct);
            LogDeclined(logger, invoice.Id, payment.Id, ex.Code, ex.DeclineCode);
            return ProblemMapper.Stored(InvoiceErrors.Declined(ex.Code, ex.DeclineCode, advice.NextAction, invoice.Id, payment.Id, ex.Message));
        }
        catch (PaymentProviderException ex) when (ex.Failure == PaymentProviderFailure.NotFound)
        {
            // Stripe lost the customer or the card's payment method: nothing was asked of the bank, so the
            // payment fails at once (the share is payable again, not "paying" for minutes) and the user is told to add the card again.
            if (await cards.RecoverFromMissingAsync(caller.UserId, customerId, card, ex, ct) is not { } problem)
                throw;
            await store.MutateAsync(invoice.Id, i =>
            {
                i.Decline(payment.Id, null, problem.Code, null, clock.GetUtcNow());
                return true;
            }, ct);
            return ProblemMapper.Stored(problem with
            {
                Extensions = new Dictionary<string, object?>(problem.Extensions) { ["invoiceId"] = invoice.Id, ["paymentId"] = payment.Id },
            });
        }
        return await SettleAsync(caller, invoice.Id, payment.Id, intent, 201, ct);
    }

    private async Task<StoredResponse> ClientConfirmedAsync(Caller caller, Invoice invoice, InvoicePayment payment, CancellationToken ct)
    {
        var account = await customers.EnsureAccountAsync(caller.UserId, caller.Email, ct);
        PaymentIntentSnapshot intent;
        try
        {
            intent = await CreateIntentAsync(invoice, payment, account.StripeCustomerId, null, caller.Email, ct, account.Generation);
        }
        catch (PaymentProviderException ex) when (CustomerAccounts.IsMissingCustomer(ex))
        {
            // Stripe lost the customer. No saved card is involved, so the payer need not act: retire it and
            // pay through a new one, under a key naming its generation (the old key replays Stripe's 404).
            await customers.RetireMissingAsync(caller.UserId, account.StripeCustomerId, ct);
            account = await customers.EnsureAccountAsync(caller.UserId, caller.Email, ct);
            intent = await CreateIntentAsync(invoice, payment, account.StripeCustomerId, null, caller.Email, ct, account.Generation);
        }
        return await SettleAsync(caller, invoice.Id, payment.Id, intent, 201, ct);
    }

    /// <summary>Records what Stripe answered, releases the hold if the invoice ended meanwhile, and funds the invoice if this was the last share.</summary>
    private async Task<StoredResponse> SettleAsync(Caller caller, string invoiceId, string paymentId, PaymentIntentSnapshot intent, int status, CancellationToken ct)
    {
        var invoice = await store.MutateAsync(invoiceId, i => i.ApplyIntent(paymentId, intent, clock.GetUtcNow()), ct);
        if (invoice.Status.IsEndingOrEnded())
        {
            // The invoice began ending while Stripe authorized this payment: release it with the rest.
            invoice = await closing.FinishEndingAsync(invoice.Id, ct);
            return ProblemMapper.Stored(InvoiceErrors.Closed(invoice.Status));
        }
        if (invoice.HoldsToVoid.Any(p => p.Id == paymentId))
        {
            await closing.VoidHoldsAsync(invoice.Id, ct);
            return ProblemMapper.Stored(InvoiceErrors.AlreadyCovered());
        }
        if (invoice.IsFullyAuthorized)
        {
            try
            {
                invoice = await funding.FundOrWaitAsync(invoice.Id, ct);
            }
            catch (Exception ex) when (ex is PaymentProviderException or Paypal.PaypalException or Azure.RequestFailedException)
            {
                // The payment itself stands; funding is retried by the payment's events and the sweep.
                LogFundingDeferred(logger, ex, invoiceId);
                invoice = await store.GetAsync(invoiceId, ct);
            }
        }

        var payment = invoice.Payment(paymentId)!;
        var paymentStatus = payment.Status.ToWire();
        LogPaid(logger, invoiceId, paymentId, payment.MemberId, paymentStatus);
        var response = new PayShareResponse(InvoiceView.Payment(payment, caller.UserId), invoice.Share(payment.MemberId)!.Status.ToWire(), invoice.Status.ToWire());
        return payment.Status switch
        {
            InvoicePaymentStatus.RequiresAction => (response with { ClientSecret = intent.ClientSecret, NextAction = "authenticate" }).ToStored(202),
            InvoicePaymentStatus.AwaitingPayment => (response with { ClientSecret = intent.ClientSecret, NextAction = "confirm" }).ToStored(status),
            _ => response.ToStored(status),
        };
    }

    /// <summary>Creates the payment's intent; after a 5xx Stripe saved under its key, finds the intent by our payment id before trying the key's next generation.</summary>
    private Task<PaymentIntentSnapshot> CreateIntentAsync(
        Invoice invoice, InvoicePayment payment, string customerId, string? paymentMethodId, string? receiptEmail, CancellationToken ct,
        int customerGeneration = 1) =>
        keyed.RunAsync(
            customerGeneration <= 1
                ? IdempotencyKeys.InvoicePaymentIntent(invoice.Id, payment.MemberId, payment.Id)
                : $"{IdempotencyKeys.InvoicePaymentIntent(invoice.Id, payment.MemberId, payment.Id)}:c{customerGeneration}",
            key => stripe.CreatePaymentIntentAsync(IntentFor(invoice, payment, customerId, paymentMethodId, receiptEmail), key, ct),
            () => stripe.FindPaymentIntentAsync(customerId, InvoicePaymentSync.PaymentKey, payment.Id, ct),
            ct);

    private static PaymentIntentRequest IntentFor(Invoice invoice, InvoicePayment payment, string customerId, string? paymentMethodId, string? receiptEmail) => new(
        payment.Amount,
        Currencies.ToStripe(payment.Currency),
        customerId,
        paymentMethodId,
        Confirm: paymentMethodId is not null,
        ManualCapture: true,
        InvoicePaymentSync.Metadata(invoice.Id, payment),
        receiptEmail);

    private static ApiError CardNotUsable() => Purchases.PurchaseErrors.CardNotUsable();

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Invoice {InvoiceId} payment {PaymentId} toward {MemberId}'s share is {Status}")]
    private static partial void LogPaid(ILogger logger, string invoiceId, string paymentId, string memberId, string status);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "Invoice {InvoiceId}: funding failed for now; it is retried")]
    private static partial void LogFundingDeferred(ILogger logger, Exception ex, string invoiceId);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "Invoice {InvoiceId} payment {PaymentId} declined: {Code} {DeclineCode}")]
    private static partial void LogDeclined(ILogger logger, string invoiceId, string paymentId, string? code, string? declineCode);
}
