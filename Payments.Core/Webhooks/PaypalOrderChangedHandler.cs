using Microsoft.Extensions.Logging;
using Payments.Core.Messaging;
using Payments.Core.Paypal;

namespace Payments.Core.Webhooks;

/// <summary>
/// PayPal's events, on the payments queue: the message's subject is the order (or a capture or authorization to follow
/// to it, see <see cref="PaypalEventEnvelope.SubjectId"/>). The order is re-read from PayPal (never the event's copy)
/// and goes to the capability that created it (<see cref="IPaypalOrderOwner"/>, by its purchase unit's <c>custom_id</c>):
/// <c>CHECKOUT.ORDER.APPROVED</c> for an order still <c>APPROVED</c> completes it (the payer may never come back to our
/// return URL), every other event applies the order as read. An order no owner claims, or one PayPal no longer has
/// (an unapproved order expires), is recorded in the inbox and ignored. Owners apply idempotently and forward only,
/// so duplicates and any order of events end the same.
/// </summary>
public sealed partial class PaypalOrderChangedHandler(PaypalClient paypal, IEnumerable<IPaypalOrderOwner> owners, ILogger<PaypalOrderChangedHandler> logger) : IMessageHandler
{
    public const string OrderApproved = "CHECKOUT.ORDER.APPROVED";

    public static readonly IReadOnlyList<string> EventTypes =
    [
        OrderApproved,
        "CHECKOUT.ORDER.COMPLETED",
        "PAYMENT.AUTHORIZATION.CREATED",
        "PAYMENT.AUTHORIZATION.VOIDED",
        "PAYMENT.CAPTURE.COMPLETED",
        "PAYMENT.CAPTURE.PENDING",
        // PayPal's pages name the failed capture both ways; the emulator sends DENIED.
        "PAYMENT.CAPTURE.DENIED",
        "PAYMENT.CAPTURE.DECLINED",
        "PAYMENT.CAPTURE.REFUNDED",
        "PAYMENT.CAPTURE.REVERSED",
    ];

    public async Task HandleAsync(QueueMessage message, MessageDelivery delivery, CancellationToken ct)
    {
        PaypalOrder order;
        try
        {
            if (await OrderIdAsync(message.SubjectId, ct) is not { } orderId)
                return;
            order = await paypal.GetOrderAsync(orderId, ct);
        }
        catch (PaypalException ex) when (ex.IsNotFound)
        {
            // An order that expired unapproved, or a payment of an account not ours: nothing of ours can change.
            LogGone(logger, message.Type, message.SubjectId);
            return;
        }

        if (owners.FirstOrDefault(o => o.Owns(order)) is not { } owner)
        {
            LogNotOurs(logger, message.Type, order.Id);
            return;
        }
        if (message.Type == OrderApproved && order.Status == PaypalOrderStatus.Approved)
            await owner.CompleteAsync(order, ct);
        else
            await owner.ApplyAsync(order, ct);
    }

    private async Task<string?> OrderIdAsync(string subject, CancellationToken ct)
    {
        if (subject.StartsWith(PaypalEventEnvelope.CapturePrefix, StringComparison.Ordinal))
            return (await paypal.GetCaptureAsync(subject[PaypalEventEnvelope.CapturePrefix.Length..], ct)).OrderId ?? Unlinked(subject);
        if (subject.StartsWith(PaypalEventEnvelope.AuthorizationPrefix, StringComparison.Ordinal))
            return (await paypal.GetAuthorizationAsync(subject[PaypalEventEnvelope.AuthorizationPrefix.Length..], ct)).OrderId ?? Unlinked(subject);
        return subject;
    }

    private string? Unlinked(string subject)
    {
        LogNoOrder(logger, subject);
        return null;
    }

    [LoggerMessage(EventId = 5021, Level = LogLevel.Information, Message = "PayPal {EventType}: order {OrderId} is none of ours; ignored")]
    private static partial void LogNotOurs(ILogger logger, string eventType, string orderId);

    [LoggerMessage(EventId = 5022, Level = LogLevel.Information, Message = "PayPal {EventType}: PayPal has no {Subject} (expired, or another account's); ignored")]
    private static partial void LogGone(ILogger logger, string eventType, string subject);

    [LoggerMessage(EventId = 5023, Level = LogLevel.Warning, Message = "PayPal's {Subject} names no order; ignored")]
    private static partial void LogNoOrder(ILogger logger, string subject);
}
