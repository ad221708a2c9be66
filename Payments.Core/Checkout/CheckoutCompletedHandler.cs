using Payments.Core.Organisations;
using Payments.Core.Messaging;
using Payments.Core.Stripe;

namespace Payments.Core.Checkout;

/// <summary>
/// checkout.session.completed: the sale is completed, and its customer and subscription are
/// recorded against the admin email. Provisioning waits for the subscription's own events.
/// A session whose signed payload has no sale id of ours (<see cref="CheckoutSessionRelevance"/>) is done without a read.
/// </summary>
public sealed class CheckoutCompletedHandler(
    IStripeGateway stripe, StripeReadCoalescer reads, SaleStore sales, AdminAccountStore accounts, TimeProvider clock) : IMessageHandler
{
    public const string EventType = "checkout.session.completed";
    /// <summary>The metadata naming our sale on its Checkout Session (see <c>CheckoutService</c>), set at creation.</summary>
    public const string SaleKey = "sale_id";

    public async Task HandleAsync(QueueMessage message, MessageDelivery delivery, CancellationToken ct)
    {
        if (EventRelevance.ProvesNotOurs(message))
            return;
        var session = await reads.CheckoutSessionAsync(stripe, message.SubjectId, message.ReceivedAt, ct);
        if (session.Status != "complete" || session.Metadata.GetValueOrDefault(SaleKey) is not { } saleId)
            return;
        var sale = await sales.MutateAsync(saleId, s => s.Status == SaleStatus.Completed ? null : s with
        {
            Status = SaleStatus.Completed,
            SessionId = session.Id,
            CustomerId = session.CustomerId,
            SubscriptionId = session.SubscriptionId,
            CompletedAt = clock.GetUtcNow(),
        }, ct) ?? throw new InvalidOperationException($"Checkout session {session.Id} names sale {saleId}, which we do not have.");
        await accounts.RecordAsync(sale.AdminEmail, session.CustomerId, session.SubscriptionId, null, ct);
    }
}
