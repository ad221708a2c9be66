using Microsoft.Extensions.Logging;
using Payments.Core.Http;
using Payments.Core.Paypal;

namespace Payments.Core.Invoices;

/// <summary>
/// The invoice payments' PayPal orders (<c>custom_id</c> <c>inv:{invoiceId}:{paymentId}</c>), claimed from PayPal event
/// handling: <c>CHECKOUT.ORDER.APPROVED</c> completes the order as the payer's return would, every other event applies
/// the order as PayPal has it.
/// </summary>
public sealed partial class InvoicePaypalOrders(InvoicePaypalPayments payments, InvoicePaypalSync sync, ILogger<InvoicePaypalOrders> logger) : IPaypalOrderOwner
{
    public bool Owns(PaypalOrder order) => InvoicePaypalSnapshot.IsOurs(order);

    /// <summary>
    /// The payer approved and may never come back: complete as their return would. An outcome that is the payer's to
    /// act on (sent back to PayPal, the share taken over, the invoice ended) is recorded and logged, not retried; PayPal
    /// or storage failing for the moment escapes, so the event is handled again.
    /// </summary>
    public async Task CompleteAsync(PaypalOrder order, CancellationToken ct)
    {
        if (!InvoicePaypalSnapshot.TryParse(order, out var invoiceId, out var paymentId))
            return;
        try
        {
            await payments.CompleteAsync(invoiceId, paymentId, ct);
        }
        catch (ApiErrorException ex) when (ex.Error.Status < 500)
        {
            LogNotCompleted(logger, order.Id, invoiceId, paymentId, ex.Error.Code);
        }
    }

    public Task ApplyAsync(PaypalOrder order, CancellationToken ct) => sync.ApplyAsync(order, ct);

    [LoggerMessage(EventId = 6831, Level = LogLevel.Information, Message = "PayPal order {OrderId} (invoice {InvoiceId}, payment {PaymentId}) approved but not completed: {Code}")]
    private static partial void LogNotCompleted(ILogger logger, string orderId, string invoiceId, string paymentId, string code);
}
