using Payments.Core.Organisations;
using Payments.Core.Messaging;
using Payments.Core.Stripe;

namespace Payments.Core.Checkout;

/// <summary>
/// checkout.session.completed: the sale is completed, and its customer and subscription are
/// recorded against the admin email. Provisioning waits for the subscription's own events.
/// </summary>
public sealed class CheckoutCompletedHandler(IStripeGateway stripe, SaleStore sales, AdminAccountStore accounts, TimeProvider clock) : IMessageHandler
{
    public const string EventType = "checkout.session.completed";

    public async Task HandleAsync(QueueMessage message, MessageDelivery delivery, CancellationToken ct)
    {
        var session = await stripe.GetCheckoutSessionAsync(message.SubjectId, ct);
        if (session.Status != "complete" || session.Metadata.GetValueOrDefault("sale_id") is not { } saleId)
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
