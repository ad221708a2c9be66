using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Payments.StandIns.Testing;
using Xunit;

namespace Payments.StandIns.Tests.PaypalEmulator;

/// <summary>An API answer: status, parsed body (default when empty) and headers.</summary>
public sealed record PaypalResponse(HttpStatusCode Status, JsonElement Body, string Text, HttpResponseHeaders Headers)
{
    public string Id => Body.GetProperty("id").GetString()!;

    public string? Link(string rel) =>
        Body.GetProperty("links").EnumerateArray().Where(l => l.GetProperty("rel").GetString() == rel).Select(l => l.GetProperty("href").GetString()).FirstOrDefault();
}

/// <summary>
/// Each test gets its own emulator (its clock, faults and logs are global to a server) and talks to it over raw HTTP,
/// as any PayPal client would, with an access token from the token endpoint.
/// </summary>
public abstract class PaypalTest : IAsyncLifetime
{
    protected PaypalEmulatorServer Server { get; private set; } = null!;

    protected HttpClient Api { get; private set; } = null!;

    protected virtual string[] Settings => [];

    public async Task InitializeAsync()
    {
        Server = await PaypalEmulatorServer.StartAsync(Settings);
        Api = new HttpClient { BaseAddress = Server.BaseUrl };
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Server.GetAccessTokenAsync());
    }

    public async Task DisposeAsync()
    {
        Api.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>A POST with a JSON body (an empty one when <paramref name="body"/> is null) and PayPal's headers.</summary>
    protected async Task<PaypalResponse> PostAsync(string path, object? body = null, string? requestId = null, bool representation = true, string? mock = null, string? rawBody = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path.TrimStart('/'))
        {
            Content = new StringContent(rawBody ?? (body is null ? "" : JsonSerializer.Serialize(body)), Encoding.UTF8, "application/json"),
        };
        if (requestId is not null)
        {
            request.Headers.Add("PayPal-Request-Id", requestId);
        }

        if (representation)
        {
            request.Headers.Add("Prefer", "return=representation");
        }

        if (mock is not null)
        {
            request.Headers.Add("PayPal-Mock-Response", $$"""{"mock_application_codes": "{{mock}}"}""");
        }

        return await SendAsync(request);
    }

    protected async Task<PaypalResponse> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/'));
        return await SendAsync(request);
    }

    protected async Task<PaypalResponse> SendAsync(HttpRequestMessage request, HttpClient? client = null)
    {
        using var response = await (client ?? Api).SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new PaypalResponse(response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), text, response.Headers);
    }

    /// <summary>Asserts PayPal's error shape: name, the first detail's issue (and field), debug_id, an information link.</summary>
    protected static JsonElement AssertError(PaypalResponse response, HttpStatusCode status, string name, string? issue = null, string? field = null)
    {
        Assert.True(response.Status == status, $"expected {(int)status}, got {(int)response.Status}: {response.Text}");
        var body = response.Body;
        Assert.Equal(name, body.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
        Assert.Matches("^[0-9a-f]{13}$", body.GetProperty("debug_id").GetString());
        Assert.Equal(body.GetProperty("debug_id").GetString(), response.Headers.GetValues("Paypal-Debug-Id").Single());
        Assert.Equal("information_link", body.GetProperty("links")[0].GetProperty("rel").GetString());
        if (issue is not null)
        {
            var detail = body.GetProperty("details").EnumerateArray().FirstOrDefault(d => d.GetProperty("issue").GetString() == issue);
            Assert.True(detail.ValueKind == JsonValueKind.Object, $"no {issue} in {response.Text}");
            Assert.False(string.IsNullOrEmpty(detail.GetProperty("description").GetString()));
            if (field is not null)
            {
                Assert.Equal(field, detail.GetProperty("field").GetString());
            }

            return detail;
        }

        return default;
    }

    protected static object Unit(string value = "10.00", string currency = "USD", string reference = "default", string? invoiceId = null, string? customId = null) =>
        new { reference_id = reference, amount = new { currency_code = currency, value }, invoice_id = invoiceId, custom_id = customId };

    /// <summary>An order as Payments makes one: payment_source.paypal with return and cancel URLs, a request id, the whole representation.</summary>
    protected async Task<PaypalResponse> CreateOrderAsync(string value = "10.00", string currency = "USD", string intent = "CAPTURE", string? requestId = null)
    {
        var response = await PostAsync("/v2/checkout/orders", new
        {
            intent,
            purchase_units = new[] { Unit(value, currency, "share-1", invoiceId: "inv-1", customId: "pay-1") },
            payment_source = new
            {
                paypal = new { experience_context = new { return_url = "https://shop.example/paypal/return?x=1", cancel_url = "https://shop.example/paypal/cancel", user_action = "PAY_NOW" } },
            },
        }, requestId ?? Guid.NewGuid().ToString());
        Assert.True(response.Status == HttpStatusCode.Created, response.Text);
        return response;
    }

    protected async Task<string> ApprovedOrderAsync(string value = "10.00", string currency = "USD", string intent = "CAPTURE", string funding = "balance")
    {
        var order = await CreateOrderAsync(value, currency, intent);
        await Server.ApproveAsync(order.Id, funding);
        return order.Id;
    }

    /// <summary>Creates, approves and captures an order; answers the capture as the order shows it.</summary>
    protected async Task<JsonElement> CaptureAsync(string value = "10.00", string currency = "USD", string funding = "balance")
    {
        var orderId = await ApprovedOrderAsync(value, currency, funding: funding);
        var captured = await PostAsync($"/v2/checkout/orders/{orderId}/capture", requestId: Guid.NewGuid().ToString());
        Assert.True(captured.Status == HttpStatusCode.Created, captured.Text);
        return captured.Body.GetProperty("purchase_units")[0].GetProperty("payments").GetProperty("captures")[0];
    }

    /// <summary>Creates, approves and authorizes an AUTHORIZE order; answers the authorization's id.</summary>
    protected async Task<string> AuthorizeAsync(string value = "100.00", string currency = "USD", string funding = "balance")
    {
        var orderId = await ApprovedOrderAsync(value, currency, "AUTHORIZE", funding);
        var authorized = await PostAsync($"/v2/checkout/orders/{orderId}/authorize", requestId: Guid.NewGuid().ToString());
        Assert.True(authorized.Status == HttpStatusCode.Created, authorized.Text);
        return authorized.Body.GetProperty("purchase_units")[0].GetProperty("payments").GetProperty("authorizations")[0].GetProperty("id").GetString()!;
    }

    /// <summary>
    /// Lets time pass on the emulator's clock, then takes a token again: tokens expire on that clock too (after 9 hours),
    /// and asking before then answers the same token.
    /// </summary>
    protected async Task AdvanceAsync(TimeSpan by)
    {
        await Server.AdvanceClockAsync(by);
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Server.GetAccessTokenAsync());
    }

    protected static string Money(JsonElement money) => $"{money.GetProperty("value").GetString()} {money.GetProperty("currency_code").GetString()}";

    protected async Task<List<string>> EventTypesAsync() =>
        (await Server.WebhookEventsAsync()).Select(e => e.GetProperty("eventType").GetString()!).ToList();
}
