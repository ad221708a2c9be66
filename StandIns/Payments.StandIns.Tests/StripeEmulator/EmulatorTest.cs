using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.StandIns.Testing;
using Stripe;
using Stripe.Checkout;
using Xunit;

namespace Payments.StandIns.Tests.StripeEmulator;

/// <summary>
/// Each test gets its own emulator: faults and the request log are global to a server, so
/// sharing one would let tests see each other.
/// </summary>
public abstract class EmulatorTest : IAsyncLifetime
{
    protected EmulatorServer Server { get; private set; } = null!;

    protected StripeClient Stripe { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Limits off: a test answered in a millisecond a call makes more than a sandbox's 25 requests a second,
        // which Stripe answering in hundreds of milliseconds would not see. RateLimitTests turns them on.
        Server = await EmulatorServer.StartAsync(EmulatorServer.RateLimitsOff);
        Stripe = Server.CreateClient();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    protected Task<Customer> NewCustomerAsync(string? email = null) =>
        Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = email ?? $"{Guid.NewGuid():n}@example.com" });

    protected static async Task<StripeException> ThrowsStripeAsync(HttpStatusCode status, string type, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<StripeException>(call);
        Assert.Equal(status, e.HttpStatusCode);
        Assert.Equal(type, e.StripeError.Type);
        return e;
    }

    /// <summary>A PaymentIntent that never redirects, so confirming needs no return_url.</summary>
    protected static PaymentIntentCreateOptions Payment(long amount = 2000, string? paymentMethod = null, string? customer = null, bool confirm = false) => new()
    {
        Amount = amount,
        Currency = "usd",
        Customer = customer,
        PaymentMethod = paymentMethod,
        Confirm = confirm ? true : null,
        AutomaticPaymentMethods = new PaymentIntentAutomaticPaymentMethodsOptions { Enabled = true, AllowRedirects = "never" },
    };

    /// <summary>POSTs JSON to a control endpoint and returns the status and the parsed body.</summary>
    protected async Task<(HttpStatusCode Status, JsonElement Body)> ControlAsync(string path, object? body = null)
    {
        using var response = await Server.Control.PostAsJsonAsync(path, body ?? new { });
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Plays the customer's part in a 3-D Secure challenge, as Stripe.js would.</summary>
    protected async Task<JsonElement> AuthenticateAsync(string intentId, bool succeed = true)
    {
        var kind = intentId.StartsWith("seti_", StringComparison.Ordinal) ? "setup_intents" : "payment_intents";
        var (status, body) = await ControlAsync($"/_emulator/{kind}/{intentId}/authenticate", new { outcome = succeed ? "succeed" : "fail" });
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    /// <summary>
    /// The intent's latest charge, read as Payments reads it (<c>expand[]=latest_charge</c>):
    /// /v1/charges is not served, since Payments never calls it.
    /// </summary>
    protected async Task<Charge> LatestChargeAsync(string paymentIntentId) =>
        (await Stripe.V1.PaymentIntents.GetAsync(paymentIntentId, new PaymentIntentGetOptions { Expand = ["latest_charge"] })).LatestCharge;

    /// <summary>How many charge attempts reached a card: one <c>charge.succeeded</c> or <c>charge.failed</c> each.</summary>
    protected async Task<int> ChargeAttemptsAsync() =>
        (await EventTypesAsync()).Count(t => t is "charge.succeeded" or "charge.failed");

    /// <summary>The types of the events emitted so far, oldest first.</summary>
    protected async Task<List<string>> EventTypesAsync()
    {
        var events = await Stripe.V1.Events.ListAsync(new EventListOptions { Limit = 100 });
        return events.Data.Select(e => e.Type).Reverse().ToList();
    }

    /// <summary>A /v1 GET as raw JSON, for fields Stripe.net does not surface (previous_attributes, includable fields).</summary>
    protected async Task<JsonElement> GetJsonAsync(string pathAndQuery)
    {
        using var http = new HttpClient { BaseAddress = Server.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk_test_raw");
        using var response = await http.GetAsync(pathAndQuery.TrimStart('/'));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A Checkout Session for <paramref name="quantity"/> seats at $15 a month (or once, in payment mode).</summary>
    protected static SessionCreateOptions CheckoutOptions(bool subscription = true, long unitAmount = 1500, long quantity = 2, string? email = "buyer@example.com") => new()
    {
        Mode = subscription ? "subscription" : "payment",
        CustomerEmail = email,
        SuccessUrl = "https://shop.example/success?session_id={CHECKOUT_SESSION_ID}",
        CancelUrl = "https://shop.example/cancel",
        ClientReferenceId = "sale_1",
        Metadata = new() { ["sale_id"] = "sale_1" },
        LineItems =
        [
            new SessionLineItemOptions
            {
                Quantity = quantity,
                PriceData = new SessionLineItemPriceDataOptions
                {
                    Currency = "usd",
                    UnitAmount = unitAmount,
                    ProductData = new SessionLineItemPriceDataProductDataOptions { Name = subscription ? "Seat" : "Device" },
                    Recurring = subscription ? new SessionLineItemPriceDataRecurringOptions { Interval = "month" } : null,
                },
            },
        ],
        SubscriptionData = subscription ? new SessionSubscriptionDataOptions { Metadata = new() { ["sale_id"] = "sale_1" } } : null,
    };

    /// <summary>Plays the customer paying on the Checkout page; answers the status and the session (or error).</summary>
    protected Task<(HttpStatusCode Status, JsonElement Body)> CompleteCheckoutAsync(string sessionId, string paymentMethod = "pm_card_visa") =>
        ControlAsync($"/_emulator/checkout/sessions/{sessionId}/complete", new { paymentMethod });

    protected async Task<JsonElement[]> RequestLogAsync(string? path = null) =>
        (await Server.RequestsAsync())
            .Where(r => path is null || r.GetProperty("path").GetString() == path)
            .ToArray();
}
