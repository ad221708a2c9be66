using Microsoft.Extensions.Logging;
using Payments.Core.Http;
using Payments.Core.Stripe;

namespace Payments.Core.Invoices;

/// <param name="Amount">Minor units; leave it out to refund what is left of the share.</param>
public sealed record InvoiceRefundRequest(string MemberId, long? Amount = null, string? Reason = null);

/// <summary>After funding, the organiser refunds a member's share or part of it (say an item the shop could not supply).</summary>
public sealed partial class InvoiceRefunds(
    InvoiceStore store, IdempotentRequests idempotency, IStripeGateway stripe, KeyedStripeCall keyed, TimeProvider clock, ILogger<InvoiceRefunds> logger)
{
    private static readonly HashSet<string> Reasons = ["duplicate", "fraudulent", "requested_by_customer"];

    public Task<StoredResponse> RefundAsync(Caller caller, string invoiceId, InvoiceRefundRequest request, string idempotencyKey, CancellationToken ct)
    {
        if (request.Reason is not null && !Reasons.Contains(request.Reason))
            throw ApiErrors.Validation("reason", "reason is duplicate, fraudulent or requested_by_customer.").ToException();
        if (request.Amount is <= 0)
            throw ApiErrors.Validation("amount", "amount is a positive number of minor units.").ToException();
        InvoicePayment payment = null!;
        long amount = 0;

        return idempotency.RunAsync(caller.UserId, $"invoice-refund:{invoiceId}", idempotencyKey, IdempotentRequests.Hash(request), Ids.New("irf"),
            validate: async token =>
            {
                var invoice = await store.GetAsync(invoiceId, token);
                if (!invoice.IsMember(caller.UserId))
                    throw InvoiceErrors.NotFound().ToException();
                var (share, refundable) = invoice.RequireRefundable(caller.UserId, request.MemberId);
                amount = request.Amount ?? refundable;
                if (amount <= 0 || amount > refundable)
                    throw new ApiError(422, "refund_exceeds_captured", $"At most {refundable} of this share can still be refunded.", "amount").ToException();
                payment = invoice.Payment(share.PaymentId!)!;
            },
            work: async (_, token) =>
            {
                var refundKey = IdempotencyKeys.InvoiceRefund(invoiceId, idempotencyKey);
                var refund = await keyed.RunAsync(refundKey,
                    key => stripe.CreateRefundAsync(payment.PaymentIntentId!, amount, request.Reason, refundKey, key, token),
                    () => stripe.FindRefundAsync(payment.PaymentIntentId!, refundKey, token),
                    token);
                var invoice = await store.MutateAsync(invoiceId, i =>
                {
                    i.AddRefund(new InvoiceRefund(refund.Id, request.MemberId, payment.Id, refund.Amount, request.Reason, refund.Status, clock.GetUtcNow()), clock.GetUtcNow());
                    return true;
                }, token);
                LogRefunded(logger, invoiceId, request.MemberId, refund.Amount, refund.Status);
                return new InvoiceRefundResponse(refund.Id, request.MemberId, refund.Amount, refund.Status, request.Reason,
                    InvoiceView.For(invoice, caller.UserId)).ToStored();
            },
            ct);
    }

    [LoggerMessage(EventId = 6601, Level = LogLevel.Information, Message = "Invoice {InvoiceId}: refunded {Amount} of {MemberId}'s share ({Status})")]
    private static partial void LogRefunded(ILogger logger, string invoiceId, string memberId, long amount, string status);
}
