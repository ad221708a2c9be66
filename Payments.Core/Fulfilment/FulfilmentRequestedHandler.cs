using System.Globalization;
using Microsoft.Extensions.Options;
using Payments.Core.Email;
using Payments.Core.Messaging;

namespace Payments.Core.Fulfilment;

/// <summary>Hands a fulfilment order to the warehouse (an email to Email:FulfilmentAddress), once.</summary>
public sealed class FulfilmentRequestedHandler(FulfilmentStore orders, EmailOnce email, IOptions<EmailOptions> options, TimeProvider clock) : IMessageHandler
{
    public const string MessageType = "fulfilment.requested";

    public async Task HandleAsync(QueueMessage message, MessageDelivery delivery, CancellationToken ct)
    {
        var order = await orders.FindAsync(message.SubjectId, ct) ?? throw new InvalidOperationException($"No fulfilment order for sale {message.SubjectId}.");
        if (order.NotifiedAt is not null)
            return;
        var a = order.ShipTo;
        await email.SendAsync(order.SaleId, "fulfilment", new EmailMessage(
            options.Value.FulfilmentAddress,
            $"Fulfilment order {order.SaleId}: {order.Devices.ToString(CultureInfo.InvariantCulture)} devices",
            $"Ship {order.Devices.ToString(CultureInfo.InvariantCulture)} devices for sale {order.SaleId} to:\n{order.Name}\n{a.Line1}\n" +
            (a.Line2 is null ? "" : a.Line2 + "\n") + $"{a.City} {a.State} {a.PostalCode}\n{a.Country}\n",
            $"<fulfilment.{order.SaleId}@payments.local>"), ct);
        await orders.MutateAsync(order.SaleId, o => o.NotifiedAt is null ? o with { NotifiedAt = clock.GetUtcNow() } : null, ct);
    }
}
