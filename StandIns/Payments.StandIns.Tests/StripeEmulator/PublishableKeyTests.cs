using System.Net;
using System.Text.Json;
using Stripe;
using Xunit;

namespace Payments.StandIns.Tests.StripeEmulator;

/// <summary>
/// What a browser does with Stripe.js: the publishable key (as the <c>key</c> parameter) and the intent's client
/// secret, form-encoded, from another origin. The server side made the intents with the secret key.
/// </summary>
public sealed class PublishableKeyTests : EmulatorTest
{
    private const string Pk = "pk_test_emulator";

    /// <summary>A well-formed card number that is none of Stripe's test cards.</summary>
    private const string LiveCard = "4539148803436467";

    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> BrowserAsync(
        HttpMethod method, string path, string form, string? origin = "http://127.0.0.1:7071")
    {
        using var request = new HttpRequestMessage(method, method == HttpMethod.Get ? $"{path}?{form}" : path);
        if (method != HttpMethod.Get)
            request.Content = new StringContent(form, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        if (origin is not null)
            request.Headers.Add("Origin", origin);
        if (method == HttpMethod.Options)
        {
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "content-type");
        }
        var response = await Server.Control.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    private static string Card(string number, string prefix = "payment_method_data") =>
        $"{prefix}[type]=card&{prefix}[card][number]={number}&{prefix}[card][exp_month]=12&{prefix}[card][exp_year]={DateTime.UtcNow.Year + 2 - 2000}&{prefix}[card][cvc]=123";

    [Fact]
    public async Task A_browser_confirms_a_payment_intent_with_card_details_and_reads_only_what_a_publishable_key_may()
    {
        var customer = await NewCustomerAsync();
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(Payment(customer: customer.Id));

        var (status, body, response) = await BrowserAsync(HttpMethod.Post, $"/v1/payment_intents/{intent.Id}/confirm",
            $"key={Pk}&client_secret={intent.ClientSecret}&use_stripe_sdk=true&{Card("4242 4242 4242 4242")}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("succeeded", body.GetProperty("status").GetString());
        Assert.Equal(intent.ClientSecret, body.GetProperty("client_secret").GetString());
        // Fields a publishable key does not see.
        Assert.False(body.TryGetProperty("customer", out _));
        Assert.False(body.TryGetProperty("metadata", out _));
        Assert.False(body.TryGetProperty("latest_charge", out _));

        var server = await Stripe.V1.PaymentIntents.GetAsync(intent.Id);
        var pm = await Stripe.V1.PaymentMethods.GetAsync(server.PaymentMethodId);
        Assert.Equal("4242", pm.Card.Last4);
        Assert.Equal(12, pm.Card.ExpMonth);
        Assert.Equal(2000, server.AmountReceived);
    }

    [Fact]
    public async Task A_3D_Secure_card_leaves_the_intent_for_the_challenge_and_the_browser_reads_it_back_after()
    {
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(Payment());
        var (status, body, _) = await BrowserAsync(HttpMethod.Post, $"/v1/payment_intents/{intent.Id}/confirm",
            $"key={Pk}&client_secret={intent.ClientSecret}&{Card("4000002760003184")}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("requires_action", body.GetProperty("status").GetString());
        Assert.Equal("use_stripe_sdk", body.GetProperty("next_action").GetProperty("type").GetString());

        // The challenge dialog's part, from the page's origin (a preflighted JSON POST).
        var (preflight, _, preflightResponse) = await BrowserAsync(HttpMethod.Options, $"/_emulator/payment_intents/{intent.Id}/authenticate", "");
        Assert.Equal(HttpStatusCode.NoContent, preflight);
        Assert.Equal("*", preflightResponse.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal(HttpStatusCode.OK, (await ControlAsync($"/_emulator/payment_intents/{intent.Id}/authenticate", new { outcome = "succeed" })).Status);

        var (read, after, _) = await BrowserAsync(HttpMethod.Get, $"/v1/payment_intents/{intent.Id}", $"key={Pk}&client_secret={intent.ClientSecret}");
        Assert.Equal(HttpStatusCode.OK, read);
        Assert.Equal("succeeded", after.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_declining_card_answers_the_card_error_with_the_intent_as_the_browser_may_see_it()
    {
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(Payment());
        var (status, body, _) = await BrowserAsync(HttpMethod.Post, $"/v1/payment_intents/{intent.Id}/confirm",
            $"key={Pk}&client_secret={intent.ClientSecret}&{Card("4000000000000002")}");

        Assert.Equal(HttpStatusCode.PaymentRequired, status);
        var error = body.GetProperty("error");
        Assert.Equal("card_error", error.GetProperty("type").GetString());
        Assert.Equal("generic_decline", error.GetProperty("decline_code").GetString());
        Assert.Equal("requires_payment_method", error.GetProperty("payment_intent").GetProperty("status").GetString());
        Assert.False(error.GetProperty("payment_intent").TryGetProperty("metadata", out _));
    }

    [Fact]
    public async Task The_wrong_or_missing_client_secret_and_card_details_Stripe_would_refuse_are_refused()
    {
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(Payment());

        var (missing, missingBody, _) = await BrowserAsync(HttpMethod.Get, $"/v1/payment_intents/{intent.Id}", $"key={Pk}");
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Equal("client_secret", missingBody.GetProperty("error").GetProperty("param").GetString());

        var (wrong, wrongBody, _) = await BrowserAsync(HttpMethod.Post, $"/v1/payment_intents/{intent.Id}/confirm",
            $"key={Pk}&client_secret={intent.Id}_secret_wrong&{Card("4242424242424242")}");
        Assert.Equal(HttpStatusCode.BadRequest, wrong);
        Assert.Contains("does not match", wrongBody.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        var (luhn, luhnBody, _) = await BrowserAsync(HttpMethod.Post, $"/v1/payment_intents/{intent.Id}/confirm",
            $"key={Pk}&client_secret={intent.ClientSecret}&{Card("4242424242424241")}");
        Assert.Equal(HttpStatusCode.PaymentRequired, luhn);
        Assert.Equal("incorrect_number", luhnBody.GetProperty("error").GetProperty("code").GetString());

        var (live, liveBody, _) = await BrowserAsync(HttpMethod.Post, $"/v1/payment_intents/{intent.Id}/confirm",
            $"key={Pk}&client_secret={intent.ClientSecret}&{Card(LiveCard)}");
        Assert.Equal(HttpStatusCode.PaymentRequired, live);
        Assert.Equal("test_mode_live_card", liveBody.GetProperty("error").GetProperty("decline_code").GetString());

        // Untouched by the refusals.
        Assert.Equal("requires_payment_method", (await Stripe.V1.PaymentIntents.GetAsync(intent.Id)).Status);
    }

    [Fact]
    public async Task A_publishable_key_may_not_call_the_server_side_endpoints_and_a_secret_key_may_not_send_card_numbers()
    {
        var (status, body, _) = await BrowserAsync(HttpMethod.Get, "/v1/payment_intents", $"key={Pk}");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("publishable API key", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        // The same key as a bearer token (what the mobile SDKs send) is refused the same way.
        var bearer = await ThrowsStripeAsync(HttpStatusCode.Forbidden, "invalid_request_error", () => Server.CreateClient(Pk).V1.Customers.ListAsync());
        Assert.Contains("publishable API key", bearer.StripeError.Message, StringComparison.Ordinal);

        var raw = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error", () => Stripe.V1.PaymentMethods.CreateAsync(new PaymentMethodCreateOptions
        {
            Type = "card",
            Card = new PaymentMethodCardOptions { Number = "4242424242424242", ExpMonth = 12, ExpYear = DateTime.UtcNow.Year + 2, Cvc = "123" },
        }));
        Assert.Contains("raw card data", raw.StripeError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_browser_confirms_a_setup_intent_and_the_card_is_saved_to_its_customer()
    {
        var customer = await NewCustomerAsync();
        var setup = await Stripe.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions
        {
            Customer = customer.Id,
            AutomaticPaymentMethods = new SetupIntentAutomaticPaymentMethodsOptions { Enabled = true, AllowRedirects = "never" },
        });

        var (status, body, _) = await BrowserAsync(HttpMethod.Post, $"/v1/setup_intents/{setup.Id}/confirm",
            $"key={Pk}&client_secret={setup.ClientSecret}&{Card("5555555555554444")}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("succeeded", body.GetProperty("status").GetString());
        Assert.False(body.TryGetProperty("customer", out _));
        var pm = await Stripe.V1.PaymentMethods.GetAsync(body.GetProperty("payment_method").GetString());
        Assert.Equal(customer.Id, pm.CustomerId);
        Assert.Equal("mastercard", pm.Card.Brand);
    }

    [Fact]
    public async Task The_StripeJs_stand_in_is_served_at_v3()
    {
        using var response = await Server.Control.GetAsync("/v3");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("window.Stripe = Stripe", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
