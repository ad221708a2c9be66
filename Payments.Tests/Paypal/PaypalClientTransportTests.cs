using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Payments.Core;
using Payments.Core.Paypal;
using Payments.Tests.Infrastructure;
using Payments.Tests.Telemetry;
using Xunit;

namespace Payments.Tests.Paypal;

/// <summary>
/// The client's HTTP behaviour (retries, Retry-After, the request id on every try, the token's cache and renewal,
/// error mapping, what is logged) against a scripted loopback server: answers PayPal gives only sometimes (a 503, a
/// 429 with Retry-After, a dropped connection) on demand. What PayPal does with the requests is the contract suite's.
/// </summary>
public sealed class PaypalClientTransportTests : IAsyncLifetime, IDisposable
{
    private const string Secret = "client-secret-never-logged";
    private const string OrderId = "5O190127TN364715T";
    private static readonly string OrderJson = $$$"""
        {"id":"{{{OrderId}}}","status":"PAYER_ACTION_REQUIRED","intent":"CAPTURE",
         "purchase_units":[{"reference_id":"pur_1","custom_id":"pur_1","amount":{"currency_code":"JPY","value":"1500"}}],
         "links":[{"href":"https://api-m.sandbox.paypal.com/v2/checkout/orders/{{{OrderId}}}","rel":"self","method":"GET"},
                  {"href":"https://www.sandbox.paypal.com/checkoutnow?token={{{OrderId}}}","rel":"payer-action","method":"GET"}],
         "create_time":"2026-01-01T10:00:00Z"}
        """;

    private readonly CapturedLogs _logs = new();
    private readonly ShiftedClock _clock = new();
    private readonly List<(DateTimeOffset At, string Path)> _arrivals = [];
    private Func<LoopbackHttpServer.Received, HttpResponse, Task> _api = (_, r) => Task.FromResult(r.StatusCode = 500);
    private int _tokens;
    private Func<int, HttpResponse, Task>? _token;
    private LoopbackHttpServer _server = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _server = await LoopbackHttpServer.StartAsync(async (request, response) =>
        {
            lock (_arrivals)
                _arrivals.Add((DateTimeOffset.UtcNow, request.PathAndQuery));
            if (request.PathAndQuery == "/v1/oauth2/token")
            {
                var n = Interlocked.Increment(ref _tokens);
                await (_token ?? DefaultToken)(n, response);
                return;
            }
            await _api(request, response);
        });
        _services = Services(_server.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _server.DisposeAsync();
    }

    public void Dispose() => _logs.Dispose();

    private static Task DefaultToken(int n, HttpResponse response) =>
        Json(response, 200, $$"""{"scope":"https://uri.paypal.com/services/payments","access_token":"A21-token-{{n}}","token_type":"Bearer","app_id":"APP-1","expires_in":32400,"nonce":"n"}""");

    private static Task Json(HttpResponse response, int status, string json)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        return response.WriteAsync(json);
    }

    private static Task Error(HttpResponse response, int status, string name, string? issue, string debugId = "f0e1d2c3b4a59") =>
        Json(response, status, JsonSerializer.Serialize(new
        {
            name,
            message = "The requested action could not be performed, semantically incorrect, or failed business validation.",
            debug_id = debugId,
            details = issue is null ? Array.Empty<object>() : [new { issue, description = "Something about " + issue }],
        }));

    private ServiceProvider Services(Uri baseUrl, string maxRetryAfter = "00:00:05")
    {
        var settings = new Dictionary<string, string?>
        {
            ["Paypal:BaseUrl"] = baseUrl.ToString().TrimEnd('/'),
            ["Paypal:ClientId"] = "client-1", ["Paypal:ClientSecret"] = Secret, ["Paypal:WebhookId"] = "WH-1",
            ["Paypal:RequestIdPrefix"] = "t-", ["Paypal:MaxRetries"] = "3", ["Paypal:RetryBaseDelay"] = "00:00:00.010",
            ["Paypal:MaxRetryAfter"] = maxRetryAfter, ["Paypal:AttemptTimeout"] = "00:00:05",
        };
        return PaypalServices.Build(settings, clock: _clock, configure: s => s.AddLogging(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace)));
    }

    private PaypalClient Client => _services.GetRequiredService<PaypalClient>();

    private static PaypalOrderRequest JpyOrder() => new(
        PaypalIntent.Capture, [new PaypalPurchaseUnitRequest("pur_1", new Money(1500, "JPY"), CustomId: "pur_1")],
        "https://shop.example/return", "https://shop.example/cancel");

    private List<LoopbackHttpServer.Received> Api => _server.Requests.Where(r => r.PathAndQuery != "/v1/oauth2/token").ToList();

    [Fact]
    public async Task Server_errors_are_retried_with_the_same_request_id_and_body_until_PayPal_answers()
    {
        var answers = new Queue<int>([503, 500, 201]);
        _api = (_, r) => answers.Dequeue() is var status && status == 201 ? Json(r, 201, OrderJson) : Error(r, status, "INTERNAL_SERVER_ERROR", null);
        using var measured = new RecordedMeasurements();

        var order = await Client.CreateOrderAsync(JpyOrder(), PaypalRequestId.PurchaseOrder("pur_1"), default);

        Assert.Equal((OrderId, "PAYER_ACTION_REQUIRED", $"https://www.sandbox.paypal.com/checkoutnow?token={OrderId}"), (order.Id, order.Status, order.ApproveUrl));
        Assert.Equal(new Money(1500, "JPY"), order.PurchaseUnits.Single().Amount);
        var tries = Api;
        Assert.Equal(3, tries.Count);
        Assert.All(tries, t =>
        {
            Assert.Equal(("POST", "/v2/checkout/orders"), (t.Method, t.PathAndQuery));
            Assert.Equal("t-purchase-pur_1-order", t.Headers["PayPal-Request-Id"]);
            Assert.Equal("return=representation", t.Headers["Prefer"]);
            Assert.Equal("Bearer A21-token-1", t.Headers["Authorization"]);
            Assert.Equal(tries[0].Body, t.Body);
        });
        using var body = JsonDocument.Parse(tries[0].Body);
        var unit = body.RootElement.GetProperty("purchase_units")[0];
        Assert.Equal("CAPTURE", body.RootElement.GetProperty("intent").GetString());
        Assert.Equal(("JPY", "1500"), (unit.GetProperty("amount").GetProperty("currency_code").GetString(), unit.GetProperty("amount").GetProperty("value").GetString()));
        var experience = body.RootElement.GetProperty("payment_source").GetProperty("paypal").GetProperty("experience_context");
        Assert.Equal(("PAY_NOW", "NO_SHIPPING", "https://shop.example/return"),
            (experience.GetProperty("user_action").GetString(), experience.GetProperty("shipping_preference").GetString(), experience.GetProperty("return_url").GetString()));
        Assert.Equal(1, _tokens);
        Assert.Contains(measured.Of("payments.paypal.calls"), m => m.Tags["operation"] == "orders.create" && m.Tags["outcome"] == "server_error");
        Assert.Contains(measured.Of("payments.paypal.calls"), m => m.Tags["operation"] == "orders.create" && m.Tags["outcome"] == "ok");
        Assert.Contains(measured.Of("payments.paypal.calls"), m => m.Tags["operation"] == "oauth2.token" && m.Tags["outcome"] == "ok");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_answer_lost_on_the_way_is_asked_for_again_with_the_same_request_id(bool afterItsHeaders)
    {
        var first = true;
        _api = async (_, r) =>
        {
            if (first)
            {
                first = false;
                // PayPal did the work; the connection drops before its answer (or the end of it) reaches us.
                if (afterItsHeaders)
                {
                    r.StatusCode = 201;
                    r.ContentType = "application/json";
                    r.ContentLength = OrderJson.Length;
                    await r.WriteAsync(OrderJson[..20]);
                    await r.Body.FlushAsync();
                    // Shapes the failure (not a wait for an effect): the headers reach the client before the connection drops.
                    await Task.Delay(200);
                }
                r.HttpContext.Abort();
                return;
            }
            await Json(r, 200, OrderJson);
        };

        var order = await Client.CreateOrderAsync(JpyOrder(), PaypalRequestId.PurchaseOrder("pur_1"), default);

        Assert.Equal(OrderId, order.Id);
        Assert.Equal(["t-purchase-pur_1-order", "t-purchase-pur_1-order"], Api.Select(r => r.Headers["PayPal-Request-Id"]));
    }

    [Fact]
    public async Task A_rate_limit_is_waited_out_as_PayPal_asks()
    {
        var limited = true;
        _api = (_, r) =>
        {
            if (!limited)
                return Json(r, 200, OrderJson);
            limited = false;
            r.Headers.RetryAfter = "1";
            return Error(r, 429, "RATE_LIMIT_REACHED", null);
        };

        await Client.GetOrderAsync(OrderId, default);

        var calls = _arrivals.Where(a => a.Path == $"/v2/checkout/orders/{OrderId}").Select(a => a.At).ToList();
        Assert.Equal(2, calls.Count);
        Assert.True(calls[1] - calls[0] >= TimeSpan.FromMilliseconds(900), $"retried after {(calls[1] - calls[0]).TotalMilliseconds} ms, not after Retry-After: 1");
    }

    [Fact]
    public async Task A_rate_limit_longer_than_we_wait_reaches_the_caller_as_try_later()
    {
        _api = (_, r) =>
        {
            r.Headers.RetryAfter = "120";
            return Error(r, 429, "RATE_LIMIT_REACHED", null);
        };

        var failure = await Assert.ThrowsAsync<PaypalException>(() => Client.GetOrderAsync(OrderId, default));

        Assert.Equal((PaypalErrorCategory.Retry, 429, "RATE_LIMIT_REACHED"), (failure.Category, failure.HttpStatus, failure.Name));
        Assert.Single(Api);
    }

    [Fact]
    public async Task A_decline_is_not_retried_and_carries_its_issue_and_debug_id_into_the_log()
    {
        _api = (_, r) => Error(r, 422, "UNPROCESSABLE_ENTITY", "INSTRUMENT_DECLINED", debugId: "9a8b7c6d5e4f3");

        var failure = await Assert.ThrowsAsync<PaypalException>(() => Client.CaptureOrderAsync(OrderId, PaypalRequestId.OrderCapture(OrderId), default));

        Assert.Equal((PaypalErrorCategory.SendPayerBack, 422, "UNPROCESSABLE_ENTITY", "INSTRUMENT_DECLINED", "9a8b7c6d5e4f3", "orders.capture"),
            (failure.Category, failure.HttpStatus, failure.Name, failure.Issue, failure.DebugId, failure.Operation));
        var capture = Assert.Single(Api);
        Assert.Equal(($"/v2/checkout/orders/{OrderId}/capture", $"t-order-{OrderId}-capture", "{}"), (capture.PathAndQuery, capture.Headers["PayPal-Request-Id"], capture.Body));
        var line = Assert.Single(_logs.Lines, l => l.EventId == 1401);
        Assert.Contains("9a8b7c6d5e4f3", line.Message, StringComparison.Ordinal);
        Assert.Contains("INSTRUMENT_DECLINED", line.Message, StringComparison.Ordinal);
        AssertNoSecretsLogged();
    }

    [Fact]
    public async Task The_token_is_fetched_once_for_many_calls_at_once_and_again_only_near_its_expiry()
    {
        _api = (_, r) => Json(r, 200, OrderJson);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Client.GetOrderAsync(OrderId, default)));
        Assert.Equal(1, _tokens);
        var token = _server.Requests.Single(r => r.PathAndQuery == "/v1/oauth2/token");
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"client-1:{Secret}")), token.Headers["Authorization"]);
        Assert.Equal("grant_type=client_credentials", token.Body);

        _clock.Offset = TimeSpan.FromSeconds(32400) - TimeSpan.FromMinutes(6);
        await Client.GetOrderAsync(OrderId, default);
        Assert.Equal(1, _tokens);

        _clock.Offset = TimeSpan.FromSeconds(32400) - TimeSpan.FromMinutes(4); // inside the 5-minute margin
        await Client.GetOrderAsync(OrderId, default);
        Assert.Equal(2, _tokens);
        Assert.Equal("Bearer A21-token-2", Api[^1].Headers["Authorization"]);
    }

    [Fact]
    public async Task A_refused_token_is_renewed_once_and_the_request_sent_again()
    {
        _api = (request, r) => request.Headers["Authorization"] == "Bearer A21-token-1"
            ? Json(r, 401, """{"error":"invalid_token","error_description":"Token signature verification failed"}""")
            : Json(r, 200, OrderJson);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Client.GetOrderAsync(OrderId, default)));

        Assert.Equal(2, _tokens);
        Assert.Equal(4, Api.Count(r => r.Headers["Authorization"] == "Bearer A21-token-2"));
        Assert.Contains(_logs.Lines, l => l.EventId == 1404);
        AssertNoSecretsLogged();
    }

    [Fact]
    public async Task A_token_refused_twice_is_a_configuration_fault_not_a_loop()
    {
        _api = (_, r) => Json(r, 401, """{"error":"invalid_token","error_description":"Access Token not found in cache"}""");

        var failure = await Assert.ThrowsAsync<PaypalException>(() => Client.GetOrderAsync(OrderId, default));

        Assert.True(failure.IsAuthentication);
        Assert.Equal(PaypalErrorCategory.Final, failure.Category);
        Assert.Equal((2, 2), (Api.Count, _tokens));
    }

    [Fact]
    public async Task Wrong_client_credentials_fail_at_once_naming_no_secret()
    {
        _token = (_, r) => Json(r, 401, """{"error":"invalid_client","error_description":"Client Authentication failed"}""");

        var failure = await Assert.ThrowsAsync<PaypalException>(() => Client.GetOrderAsync(OrderId, default));

        Assert.Equal((true, PaypalErrorCategory.Final, "oauth2.token", "Client Authentication failed"), (failure.IsAuthentication, failure.Category, failure.Operation, failure.Message));
        Assert.Equal(1, _tokens);
        Assert.Empty(Api);
        AssertNoSecretsLogged();
    }

    [Fact]
    public async Task A_void_answered_without_a_body_reads_the_authorization()
    {
        _api = (request, r) => request.PathAndQuery.EndsWith("/void", StringComparison.Ordinal)
            ? Task.FromResult(r.StatusCode = 204)
            : Json(r, 200, """{"id":"0VF52814937998046","status":"VOIDED","amount":{"currency_code":"USD","value":"10.99"},"expiration_time":"2026-02-01T10:00:00Z"}""");

        var voided = await Client.VoidAuthorizationAsync("0VF52814937998046", PaypalRequestId.Of("void", "0VF52814937998046"), default);

        Assert.Equal(("0VF52814937998046", "VOIDED", new Money(1099, "USD")), (voided.Id, voided.Status, voided.Amount));
        Assert.Equal(["POST /v2/payments/authorizations/0VF52814937998046/void", "GET /v2/payments/authorizations/0VF52814937998046"],
            Api.Select(r => $"{r.Method} {r.PathAndQuery}"));
    }

    [Fact]
    public async Task A_network_failure_that_outlasts_the_retries_reaches_the_caller_as_try_later()
    {
        await using var down = Services(new Uri($"http://127.0.0.1:{LoopbackPorts.Closed()}/"));

        var failure = await Assert.ThrowsAsync<PaypalException>(() => down.GetRequiredService<PaypalClient>().GetOrderAsync(OrderId, default));

        Assert.Equal((PaypalErrorCategory.Retry, (int?)null, "oauth2.token"), (failure.Category, failure.HttpStatus, failure.Operation));
    }

    [Fact]
    public async Task Without_a_base_url_PayPal_is_off_and_nothing_is_sent()
    {
        await using var provider = PaypalServices.Build(new Dictionary<string, string?>());

        var failure = await Assert.ThrowsAsync<PaypalException>(() => provider.GetRequiredService<PaypalClient>().GetOrderAsync(OrderId, default));

        Assert.Equal("NOT_CONFIGURED", failure.Name);
    }

    [Fact]
    public async Task Amounts_we_cannot_send_exactly_are_refused_before_any_request()
    {
        var huf = JpyOrder() with { PurchaseUnits = [new PaypalPurchaseUnitRequest("pur_1", new Money(150050, "HUF"))] };
        var zero = JpyOrder() with { PurchaseUnits = [new PaypalPurchaseUnitRequest("pur_1", new Money(0, "USD"))] };

        await Assert.ThrowsAsync<PaypalAmountException>(() => Client.CreateOrderAsync(huf, PaypalRequestId.PurchaseOrder("pur_1"), default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Client.CreateOrderAsync(zero, PaypalRequestId.PurchaseOrder("pur_1"), default));
        Assert.Empty(_server.Requests);
    }

    private void AssertNoSecretsLogged()
    {
        Assert.NotEmpty(_logs.Lines);
        Assert.DoesNotContain(_logs.Lines, l => l.Message.Contains(Secret, StringComparison.Ordinal) || l.Message.Contains("A21-token", StringComparison.Ordinal)
            || l.Message.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes($"client-1:{Secret}")), StringComparison.Ordinal));
    }
}
