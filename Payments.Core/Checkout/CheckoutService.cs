using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Http;
using Payments.Core.Organisations;
using Payments.Core.Stripe;
using Payments.Core.Fulfilment;

namespace Payments.Core.Checkout;

public sealed record CheckoutRequest(int Devices, bool Subscription, string Name, ShippingAddress ShippingAddress, string AdminEmail, string? BillingEmail = null);

public sealed record CheckoutResponse(string SaleId, string SessionId, string? Url);

/// <summary>Opens a Stripe Checkout Session for devices plus an optional subscription, after saving the sale.</summary>
public sealed partial class CheckoutService(
    SaleStore sales, AdminAccountStore accounts, SubscriptionCheckoutClaimStore claims, IStripeGateway stripe, KeyedStripeCall keyed, IdempotentRequests idempotency,
    IOptions<CheckoutOptions> options, TimeProvider clock, ILogger<CheckoutService> logger)
{
    public Task<StoredResponse> StartAsync(Caller caller, CheckoutRequest request, string? idempotencyKey, CancellationToken ct)
    {
        var o = options.Value;
        Validate(request, o);
        var adminEmail = Emails.Normalize(request.AdminEmail);

        return idempotency.RunAsync(caller.UserId, "checkout", idempotencyKey, IdempotentRequests.Hash(request), Ids.New("sale"),
            validate: async token =>
            {
                if (request.Subscription && await accounts.HasActiveSubscriptionAsync(adminEmail, token))
                    throw SubscriptionCheckoutClaimStore.Exists().ToException();
            },
            work: async (saleId, token) =>
            {
                // The check above is only a read: the claim is what keeps two concurrent checkouts from both opening a subscription.
                if (request.Subscription)
                {
                    await claims.ClaimAsync(adminEmail, saleId, token);
                    if (await accounts.HasActiveSubscriptionAsync(adminEmail, token))
                    {
                        await claims.ReleaseAsync(adminEmail, saleId, token);
                        throw SubscriptionCheckoutClaimStore.Exists().ToException();
                    }
                }
                var sale = new Sale(saleId, caller.UserId, request.Devices, request.Subscription, request.Name.Trim(), request.ShippingAddress,
                    adminEmail, request.BillingEmail is null ? null : Emails.Normalize(request.BillingEmail), SaleStatus.InProgress,
                    null, null, null, clock.GetUtcNow(), null);
                // A retry of this sale (a takeover after a crash, or after Stripe's answer was lost) must send
                // Stripe the very same parameters under the same key, so the session's expiry comes from the
                // sale's first try, not from now.
                if (await sales.FindAsync(saleId, token) is { } existing)
                    sale = existing.Sale;
                else
                    await sales.AddAsync(sale, token);

                var lines = new List<CheckoutLine>();
                if (request.Devices > 0)
                    lines.Add(new CheckoutLine(o.DeviceName, o.DeviceUnitAmount, request.Devices, null));
                if (request.Subscription)
                    lines.Add(new CheckoutLine(o.SubscriptionName, o.SubscriptionUnitAmount, 1, o.SubscriptionInterval));
                var sessionRequest = new CheckoutSessionRequest(
                    request.Subscription, Currencies.ToStripe(o.Currency), lines, sale.BillingEmail ?? sale.AdminEmail, o.SuccessUrl, o.CancelUrl,
                    new Dictionary<string, string> { ["sale_id"] = saleId, ["admin_email"] = adminEmail },
                    sale.Created.AddMinutes(o.SessionMinutes));
                // A session Stripe made behind a saved 500 was never shown to anyone and expires with the sale's
                // expiry, so nothing is looked for: the key's next generation makes the one the buyer gets.
                var session = await keyed.RunAsync(IdempotencyKeys.CheckoutSession(saleId),
                    key => stripe.CreateCheckoutSessionAsync(sessionRequest, key, token),
                    () => Task.FromResult<CheckoutSessionSnapshot?>(null),
                    token);
                await sales.MutateAsync(saleId, s => s with { SessionId = session.Id }, token);
                LogStarted(logger, saleId, session.Id, request.Devices, request.Subscription);
                return new StoredResponse(201, "application/json",
                    System.Text.Json.JsonSerializer.Serialize(new CheckoutResponse(saleId, session.Id, session.Url), JsonBody.Options));
            },
            ct);
    }

    private static void Validate(CheckoutRequest r, CheckoutOptions o)
    {
        if (r.Devices < 0 || r.Devices > o.MaxDevices)
            throw ApiErrors.Validation("devices", $"devices is 0 to {o.MaxDevices}.").ToException();
        if (r.Devices == 0 && !r.Subscription)
            throw ApiErrors.Validation("devices", "Order at least one device or the subscription.").ToException();
        Text(r.Name, "name", 1, 200);
        var a = r.ShippingAddress ?? throw ApiErrors.MissingField("shippingAddress").ToException();
        Text(a.Line1, "shippingAddress.line1", 1, 200);
        Text(a.Line2, "shippingAddress.line2", 0, 200);
        Text(a.City, "shippingAddress.city", 1, 100);
        Text(a.State, "shippingAddress.state", 0, 100);
        if (a.PostalCode is null || a.PostalCode.Length is < 1 or > 20 || !a.PostalCode.All(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '-'))
            throw ApiErrors.Validation("shippingAddress.postalCode", "postalCode is 1-20 letters, digits, spaces or dashes.").ToException();
        if (a.Country is null || a.Country.Length != 2 || !a.Country.All(char.IsAsciiLetterUpper))
            throw ApiErrors.Validation("shippingAddress.country", "country is a two-letter ISO code in upper case, such as US.").ToException();
        if (!Emails.IsValid(r.AdminEmail))
            throw ApiErrors.Validation("adminEmail", "adminEmail is not an email address.").ToException();
        if (r.BillingEmail is not null && !Emails.IsValid(r.BillingEmail))
            throw ApiErrors.Validation("billingEmail", "billingEmail is not an email address.").ToException();
    }

    private static void Text(string? value, string field, int min, int max)
    {
        if ((value?.Trim().Length ?? 0) < min || (value?.Length ?? 0) > max)
            throw ApiErrors.Validation(field, $"{field} is {min}-{max} characters.").ToException();
    }

    [LoggerMessage(EventId = 5501, Level = LogLevel.Information, Message = "Sale {SaleId} opened checkout session {SessionId}: {Devices} devices, subscription {Subscription}")]
    private static partial void LogStarted(ILogger logger, string saleId, string sessionId, int devices, bool subscription);
}
