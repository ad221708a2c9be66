using Azure;
using Azure.Data.Tables;
using Payments.Core.Http;
using Payments.Core.Organisations;
using Payments.Core.Storage;
using Payments.Core.Stripe;

namespace Payments.Core.Checkout;

/// <summary>
/// At most one subscription checkout per admin email at a time: a row per email (beside its admin
/// account) names the sale holding it, and inserting it is atomic. The holder keeps it while its
/// Checkout Session is open, and after completion until its subscription ends. It gives way to a new
/// checkout once that session has expired (abandoned sessions expire after
/// <see cref="CheckoutOptions.SessionMinutes"/>), or when the holding request died before it opened a
/// session (<see cref="IdempotentRequests.InFlightTimeout"/>); so an abandoned checkout blocks the email
/// for at most the session's lifetime, never for good.
/// </summary>
public sealed class SubscriptionCheckoutClaimStore(
    PaymentsStorage storage, SaleStore sales, SubscriptionStore subscriptions, IStripeGateway stripe, TimeProvider clock)
{
    private const string Row = "subscription-checkout";
    private const int MaxAttempts = 5;
    private static readonly HashSet<string> Ended = ["canceled", "incomplete_expired"];
    private readonly TableClient _table = storage.Table(TableNames.AdminAccounts);

    /// <summary>Claims the email for this sale, or throws 409 subscription_exists while another sale holds it.</summary>
    public async Task ClaimAsync(string adminEmail, string saleId, CancellationToken ct)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await _table.TryAddEntityAsync(Claim(adminEmail, saleId), ct))
                return;
            var held = await _table.GetEntityIfExistsAsync<TableEntity>(adminEmail, Row, cancellationToken: ct);
            if (!held.HasValue)
                continue;
            if (held.Value!.GetString("SaleId") == saleId)
                return;
            if (!await IsAbandonedAsync(held.Value, ct))
                throw Exists().ToException();
            try
            {
                await _table.UpdateEntityAsync(Claim(adminEmail, saleId), held.Value.ETag, TableUpdateMode.Replace, ct);
                return;
            }
            catch (RequestFailedException ex) when (ex.IsPreconditionFailed())
            {
            }
        }
        throw ApiErrors.Busy().ToException();
    }

    /// <summary>Gives the claim back when this sale holds it (its session could not be opened).</summary>
    public async Task ReleaseAsync(string adminEmail, string saleId, CancellationToken ct)
    {
        var held = await _table.GetEntityIfExistsAsync<TableEntity>(adminEmail, Row, cancellationToken: ct);
        if (!held.HasValue || held.Value!.GetString("SaleId") != saleId)
            return;
        try
        {
            await _table.DeleteEntityAsync(adminEmail, Row, held.Value.ETag, ct);
        }
        catch (RequestFailedException ex) when (ex.IsPreconditionFailed() || ex.IsNotFound())
        {
        }
    }

    public static ApiError Exists() =>
        new(409, "subscription_exists", "This admin email already has an active subscription or a subscription checkout in progress.", "adminEmail");

    private async Task<bool> IsAbandonedAsync(TableEntity held, CancellationToken ct)
    {
        var sale = (await sales.FindAsync(held.GetString("SaleId"), ct))?.Sale;
        if (sale?.Status == SaleStatus.Completed)
            return sale.SubscriptionId is { } subscriptionId
                && await subscriptions.FindAsync(subscriptionId, ct) is { } subscription && Ended.Contains(subscription.Status);
        if (sale?.SessionId is { } sessionId)
            return (await stripe.GetCheckoutSessionAsync(sessionId, ct)).Status == "expired";
        return clock.GetUtcNow() - (held.GetDateTimeOffset("ClaimedAt") ?? default) > IdempotentRequests.InFlightTimeout;
    }

    private TableEntity Claim(string adminEmail, string saleId) => new(adminEmail, Row)
    {
        ["SaleId"] = saleId,
        ["ClaimedAt"] = clock.GetUtcNow(),
    };
}
