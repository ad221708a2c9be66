using Azure.Data.Tables;
using Payments.Core.Storage;
using Payments.Core.Stripe;
using Payments.Core.Telemetry;

namespace Payments.Core.Checkout;

/// <summary>The record of each paid Stripe billing invoice of a subscription (table <c>invoicepayments</c>, see <see cref="TableNames.SubscriptionPayments"/>).</summary>
public sealed class SubscriptionPaymentStore(PaymentsStorage storage)
{
    private const string Row = "payment";
    private readonly TableClient _table = storage.Table(TableNames.SubscriptionPayments);

    /// <summary>
    /// Written again for the second event of the same invoice: the same row, replaced. Only the first write counts
    /// the payment as money moved, so a duplicate event adds nothing.
    /// </summary>
    public async Task RecordAsync(InvoiceSnapshot invoice, DateTimeOffset recordedAt, CancellationToken ct)
    {
        var row = RowOf(invoice, recordedAt);
        if (await _table.TryAddEntityAsync(row, ct))
            MoneyMoved.Record("subscriptions", invoice.Currency, default, new MoneyFigures(invoice.AmountPaid, 0));
        else
            await _table.UpsertEntityAsync(row, TableUpdateMode.Replace, ct);
    }

    private static TableEntity RowOf(InvoiceSnapshot invoice, DateTimeOffset recordedAt) =>
        new(invoice.Id, Row)
        {
            ["CustomerId"] = invoice.CustomerId,
            ["SubscriptionId"] = invoice.SubscriptionId,
            ["SaleId"] = invoice.SaleId,
            ["AmountPaid"] = invoice.AmountPaid,
            ["Currency"] = invoice.Currency,
            ["RecordedAt"] = recordedAt,
        };
}
