using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Payments.Core.Catalog;
using Payments.Core.Http;
using Payments.Core.Storage;
using Payments.Core.Telemetry;

namespace Payments.Core.Purchases;

public sealed record StoredPurchase(Purchase Purchase, ETag ETag);

public sealed record PurchasePage(IReadOnlyList<Purchase> Items, string? Continuation);

/// <summary>
/// Purchases partitioned by user, with row keys that sort newest first; a second table maps a
/// purchase id to its owner for admin routes and Stripe events.
/// </summary>
public sealed class PurchaseStore(PaymentsStorage storage)
{
    private const string OwnerRow = "owner";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TableClient _purchases = storage.Table(TableNames.Purchases);
    private readonly TableClient _owners = storage.Table(TableNames.PurchaseOwners);

    /// <summary>Purchase ids sort newest first: inverted ticks, then randomness.</summary>
    public static string NewId(DateTimeOffset now) =>
        $"pur_{DateTimeOffset.MaxValue.Ticks - now.UtcTicks:x16}{Ids.New("x")[2..10]}";

    /// <summary>The owner row first, so a purchase is never unreachable from its id; both are inserts-if-absent.</summary>
    public async Task<bool> TryInsertAsync(Purchase purchase, CancellationToken ct)
    {
        await _owners.TryAddEntityAsync(new TableEntity(purchase.Id, OwnerRow) { ["UserId"] = purchase.UserId }, ct);
        var inserted = await _purchases.TryAddEntityAsync(ToEntity(purchase), ct);
        if (inserted)
            CountMoneyMoved(purchase);
        return inserted;
    }

    public async Task<StoredPurchase?> FindAsync(string userId, string purchaseId, CancellationToken ct)
    {
        if (!IsPurchaseId(purchaseId))
            return null;
        var row = await _purchases.GetEntityIfExistsAsync<TableEntity>(userId, purchaseId, cancellationToken: ct);
        return row.HasValue ? new StoredPurchase(FromEntity(row.Value!), row.Value!.ETag) : null;
    }

    private static bool IsPurchaseId(string id) => id.StartsWith("pur_", StringComparison.Ordinal) && TableKeys.IsSafe(id, 64);

    public async Task<StoredPurchase?> FindByIdAsync(string purchaseId, CancellationToken ct)
    {
        if (!IsPurchaseId(purchaseId))
            return null;
        var owner = await _owners.GetEntityIfExistsAsync<TableEntity>(purchaseId, OwnerRow, cancellationToken: ct);
        return owner.HasValue ? await FindAsync(owner.Value!.GetString("UserId"), purchaseId, ct) : null;
    }

    public async Task<ETag> UpdateAsync(Purchase purchase, ETag etag, CancellationToken ct)
    {
        var written = await _purchases.UpdateEntityAsync(ToEntity(purchase), etag, TableUpdateMode.Replace, ct);
        CountMoneyMoved(purchase);
        return written.Headers.ETag ?? default;
    }

    /// <summary>Only after the ETag accepted the write: a lost race is read again and counted by the write that wins.</summary>
    private static void CountMoneyMoved(Purchase purchase)
    {
        MoneyMoved.Record("purchases", purchase.Currency, purchase.StoredFigures, purchase.Figures);
        purchase.MarkStored();
    }

    /// <summary><paramref name="change"/> changes the purchase in place and returns false to write nothing.</summary>
    public async Task<Purchase> MutateAsync(string userId, string purchaseId, Func<Purchase, bool> change, CancellationToken ct) =>
        await Optimistic.MutateAsync(
            async token => await FindAsync(userId, purchaseId, token) is { } stored ? (stored.Purchase, stored.ETag) : ((Purchase, ETag)?)null,
            purchase => change(purchase) ? purchase : null,
            (purchase, etag, token) => UpdateAsync(purchase, etag, token),
            ct) ?? throw ApiErrors.NotFound("purchase").ToException();

    public Task<PurchasePage> ListForUserAsync(string userId, int limit, string? continuation, CancellationToken ct) =>
        PageAsync(TableClient.CreateQueryFilter($"PartitionKey eq {userId}"), limit, continuation, ct);

    public Task<PurchasePage> ListByStatusAsync(PurchaseStatus status, int limit, string? continuation, CancellationToken ct) =>
        PageAsync(TableClient.CreateQueryFilter($"Status eq {status.ToWire()}"), limit, continuation, ct);

    /// <summary>
    /// Purchases whose row was written at or after <paramref name="since"/> (the table's own Timestamp, which
    /// every write moves), a page at a time: what the reconciler compares with Stripe.
    /// </summary>
    public Task<PurchasePage> ListTouchedSinceAsync(DateTimeOffset since, int limit, string? continuation, CancellationToken ct) =>
        PageAsync(TableClient.CreateQueryFilter($"Timestamp ge {since}"), limit, continuation, ct);

    /// <summary>Purchases with a refund Stripe failed or canceled: money the customer was promised and did not get.</summary>
    public Task<PurchasePage> ListWithFailedRefundsAsync(int limit, string? continuation, CancellationToken ct) =>
        PageAsync(TableClient.CreateQueryFilter($"HasFailedRefund eq {true}"), limit, continuation, ct);

    public async Task<IReadOnlyList<Purchase>> ListAuthorizedSinceBeforeAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        var found = new List<Purchase>();
        var filter = TableClient.CreateQueryFilter($"Status eq {PurchaseStatus.Authorized.ToWire()} and AuthorizedAt le {cutoff}");
        await foreach (var e in _purchases.QueryAsync<TableEntity>(filter, cancellationToken: ct))
            found.Add(FromEntity(e));
        return found;
    }

    private async Task<PurchasePage> PageAsync(string filter, int limit, string? continuation, CancellationToken ct)
    {
        var token = continuation is null ? null : Encoding.UTF8.GetString(Base64Url.DecodeFromChars(continuation));
        await foreach (var page in _purchases.QueryAsync<TableEntity>(filter, maxPerPage: limit, cancellationToken: ct).AsPages(token, limit))
        {
            var next = page.ContinuationToken is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(page.ContinuationToken));
            return new PurchasePage(page.Values.Select(FromEntity).ToList(), next);
        }
        return new PurchasePage([], null);
    }

    private static TableEntity ToEntity(Purchase p) => new(p.UserId, p.Id)
    {
        ["CardId"] = p.CardId,
        // Absent on card purchases (as on every row written before PayPal).
        ["PaymentMethod"] = p.PaymentMethod == PurchasePaymentMethod.Paypal ? "paypal" : null,
        ["PaypalOrderId"] = p.Paypal?.OrderId,
        ["PaypalApproveUrl"] = p.Paypal?.ApproveUrl,
        ["PaypalOrderStatus"] = p.Paypal?.OrderStatus,
        ["PaypalAuthorizationId"] = p.Paypal?.AuthorizationId,
        ["PaypalCaptureId"] = p.Paypal?.CaptureId,
        ["PaypalCaptureStatus"] = p.Paypal?.CaptureStatus,
        ["Quote"] = JsonSerializer.Serialize(p.Quote, Json),
        ["Currency"] = p.Currency,
        ["Total"] = p.Total,
        ["CaptureMethod"] = p.CaptureMethod.ToString(),
        ["ReceiptEmail"] = p.ReceiptEmail,
        ["Created"] = p.Created,
        ["Status"] = p.Status.ToWire(),
        ["PaymentIntentId"] = p.PaymentIntentId,
        ["AmountAuthorized"] = p.AmountAuthorized,
        ["AmountCaptured"] = p.AmountCaptured,
        ["AmountRefunded"] = p.AmountRefunded,
        ["AmountReleased"] = p.AmountReleased,
        ["RefundReservations"] = p.RefundReservations.Count == 0 ? null : JsonSerializer.Serialize(p.RefundReservations, Json),
        ["Refunds"] = p.Refunds.Count == 0 ? null : JsonSerializer.Serialize(p.Refunds, Json),
        ["HasFailedRefund"] = p.HasFailedRefund,
        ["StripeStatus"] = p.Outcome?.StripeStatus,
        ["ErrorCode"] = p.Outcome?.ErrorCode,
        ["DeclineCode"] = p.Outcome?.DeclineCode,
        ["AuthorizedAt"] = p.AuthorizedAt,
        ["SweptAt"] = p.SweptAt,
        ["Carrier"] = p.Shipment?.Carrier,
        ["TrackingNumber"] = p.Shipment?.TrackingNumber,
        ["ShippedAt"] = p.Shipment?.ShippedAt,
        ["Updated"] = p.Updated,
    };

    private static Purchase FromEntity(TableEntity e)
    {
        var purchase = new Purchase
        {
            Id = e.RowKey,
            UserId = e.PartitionKey,
            CardId = e.GetString("CardId"),
            PaymentMethod = e.GetString("PaymentMethod") == "paypal" ? PurchasePaymentMethod.Paypal : PurchasePaymentMethod.Card,
            Quote = JsonSerializer.Deserialize<Quote>(e.GetString("Quote"), Json)!,
            CaptureMethod = Enum.Parse<CaptureMethod>(e.GetString("CaptureMethod")),
            ReceiptEmail = e.GetString("ReceiptEmail"),
            Created = e.GetDateTimeOffset("Created") ?? default,
        };
        var outcome = e.GetString("StripeStatus") is null && e.GetString("ErrorCode") is null
            ? null
            : new PaymentOutcome(e.GetString("StripeStatus"), e.GetString("ErrorCode"), e.GetString("DeclineCode"));
        var shipment = e.GetString("Carrier") is { } carrier
            ? new Shipment(carrier, e.GetString("TrackingNumber"), e.GetDateTimeOffset("ShippedAt") ?? default)
            : null;
        purchase.Restore(
            PurchaseStatuses.TryParse(e.GetString("Status"), out var status) ? status : PurchaseStatus.Pending,
            e.GetString("PaymentIntentId"),
            e.GetInt64("AmountAuthorized") ?? 0, e.GetInt64("AmountCaptured") ?? 0, e.GetInt64("AmountRefunded") ?? 0, e.GetInt64("AmountReleased") ?? 0,
            e.GetString("RefundReservations") is { } reserved ? JsonSerializer.Deserialize<Dictionary<string, RefundReservation>>(reserved, Json)! : new Dictionary<string, RefundReservation>(),
            outcome, e.GetDateTimeOffset("AuthorizedAt"), e.GetDateTimeOffset("SweptAt"), shipment,
            e.GetDateTimeOffset("Updated") ?? default);
        if (e.GetString("PaypalOrderId") is { } orderId)
        {
            purchase.RestorePaypal(new PaypalPayment(orderId, e.GetString("PaypalApproveUrl"), e.GetString("PaypalOrderStatus") ?? "",
                e.GetString("PaypalAuthorizationId"), e.GetString("PaypalCaptureId"), e.GetString("PaypalCaptureStatus")));
        }
        if (e.GetString("Refunds") is { } refunds)
            purchase.RestoreRefunds(JsonSerializer.Deserialize<Dictionary<string, PurchaseRefund>>(refunds, Json)!);
        return purchase;
    }
}
