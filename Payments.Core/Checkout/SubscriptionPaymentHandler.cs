using Microsoft.Extensions.Logging;
using Payments.Core.Fulfilment;
using Payments.Core.Messaging;
using Payments.Core.Stripe;

namespace Payments.Core.Checkout;

/// <summary>
/// Stripe's invoice.paid / invoice.payment_succeeded for a subscription (both arrive for one billing invoice;
/// "invoice" in our code means our group invoices, so this is a subscription payment): records the payment and,
/// for a sale with devices, creates its fulfilment order once and asks for it to be fulfilled.
/// </summary>
public sealed partial class SubscriptionPaymentHandler(
    IStripeGateway stripe, StripeReadCoalescer reads, SaleStore sales, SubscriptionPaymentStore payments, FulfilmentStore fulfilment, OwnMessages messages,
    TimeProvider clock, ILogger<SubscriptionPaymentHandler> logger) : IMessageHandler
{
    public static readonly IReadOnlyList<string> EventTypes = ["invoice.paid", "invoice.payment_succeeded"];

    public async Task HandleAsync(QueueMessage message, MessageDelivery delivery, CancellationToken ct)
    {
        // Shared with the other event of this invoice (both invoice.paid and invoice.payment_succeeded come), see StripeReadCoalescer.
        var invoice = await reads.InvoiceAsync(stripe, message.SubjectId, message.ReceivedAt, ct);
        if (invoice.Status != "paid")
            return;
        await payments.RecordAsync(invoice, clock.GetUtcNow(), ct);

        if (invoice.SaleId is null || (await sales.FindAsync(invoice.SaleId, ct))?.Sale is not { Devices: > 0 } sale)
            return;
        var order = new FulfilmentOrder(sale.Id, sale.Devices, sale.Name, sale.ShipTo, FulfilmentStatus.Pending, invoice.Id,
            clock.GetUtcNow(), null, null, null, null);
        if (await fulfilment.TryCreateAsync(order, ct))
            LogOrdered(logger, sale.Id, sale.Devices);
        // Asked for every time until the fulfilment handler records it: a crash between the two cannot lose it
        // (OwnMessages records the message once, and its inbox row is swept like an event's).
        if ((await fulfilment.FindAsync(sale.Id, ct))?.NotifiedAt is null)
            await messages.SendAsync(new QueueMessage(FulfilmentRequestedHandler.MessageType, sale.Id), ct);
    }

    [LoggerMessage(EventId = 5511, Level = LogLevel.Information, Message = "Sale {SaleId} paid: fulfilment order for {Devices} devices")]
    private static partial void LogOrdered(ILogger logger, string saleId, int devices);
}
