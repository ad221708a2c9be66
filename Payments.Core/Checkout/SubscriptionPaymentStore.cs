using Azure.Data.Tables;
using Payments.Core.Storage;
using Payments.Core.Stripe;

namespace Payments.Core.Checkout;

/// <summary>The record of each paid Stripe billing invoice of a subscription (table <c>invoicepayments</c>, see <see cref="TableNames.SubscriptionPayments"/>).</summary>
public sealed class SubscriptionPaymentStore(PaymentsStorage storage)
{
    private const string Row = "payment";
    private readonly TableClient _table = storage.Table(TableNames.SubscriptionPayments);

    /// <summary>Written again for the second event of the same invoice: the same row, replaced.</summary>
    public Task RecordAsync(InvoiceSnapshot invoice, DateTimeOffset recordedAt, CancellationToken ct) =>
        _table.UpsertEntityAsync(new TableEntity(invoice.Id, Row)
        {
            ["CustomerId"] = invoice.CustomerId,
            ["SubscriptionId"] = invoice.SubscriptionId,
            ["SaleId"] = invoice.SaleId,
            ["AmountPaid"] = invoice.AmountPaid,
            ["Currency"] = invoice.Currency,
            ["RecordedAt"] = recordedAt,
        }, TableUpdateMode.Replace, ct);
}
