using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Payments.PaypalEmulator;

namespace Payments.StandIns.Testing;

/// <summary>
/// The PayPal emulator, in process, on a free loopback port, with helpers for its control API (the payer's
/// approval, the clock, webhook deliveries, the root certificate). PayPal's API is at <see cref="InProcessEmulator.BaseUrl"/>
/// in place of <c>https://api-m.sandbox.paypal.com/</c> (<c>/v1/oauth2/token</c>, <c>/v2/checkout/orders</c>,
/// <c>/v2/payments/...</c>). Requests and faults: <c>{method, path, paypalRequestId, replayed, status, debugId, issue}</c>,
/// <c>{method, pathPrefix, status, count, when: "before"|"after", delayMs}</c>.
/// </summary>
public sealed class PaypalEmulatorServer : InProcessEmulator
{
    /// <summary>The emulator's default REST app credentials (<c>--Client:Id</c>, <c>--Client:Secret</c>).</summary>
    public const string ClientId = "emulator-client-id";

    public const string ClientSecret = "emulator-client-secret";

    /// <summary>The default webhook id (<c>--Webhook:Id</c>), part of every signature.</summary>
    public const string WebhookId = "EMULATORWEBHOOK01";

    private PaypalEmulatorServer(WebApplication app, Uri baseUrl)
        : base(app, baseUrl)
    {
    }

    /// <param name="settings">Emulator configuration as command-line arguments, e.g. <c>--Webhook:Url=http://127.0.0.1:5000/api/paypal/webhook</c>.</param>
    public static async Task<PaypalEmulatorServer> StartAsync(params string[] settings)
    {
        var (app, baseUrl) = await StartAppAsync(PaypalEmulatorApp.Build, settings);
        return new PaypalEmulatorServer(app, baseUrl);
    }

    /// <summary>An access token from <c>POST /v1/oauth2/token</c> with the default credentials.</summary>
    public async Task<string> GetAccessTokenAsync(string clientId = ClientId, string secret = ClientSecret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/oauth2/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{secret}")));
        using var response = await Control.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    /// <summary>Plays the payer approving on the approve page: answers <c>{order, redirectUrl}</c>. Funding: balance, card_declined, pending_review, echeck, honor_only.</summary>
    public Task<JsonElement> ApproveAsync(string orderId, string funding = "balance") =>
        PostOkAsync($"_emulator/orders/{orderId}/approve", new { funding });

    /// <summary>Plays the payer cancelling: answers the cancel_url the browser would be sent to (null without one).</summary>
    public async Task<string?> CancelAsync(string orderId) =>
        (await PostOkAsync($"_emulator/orders/{orderId}/cancel", new { })).GetProperty("redirectUrl").GetString();

    /// <summary>Lets time pass on the emulator's clock (authorization honor period and lifetime, order expiry, request ids, tokens, webhook retries).</summary>
    public Task<JsonElement> AdvanceClockAsync(TimeSpan by) => PostOkAsync("_emulator/clock/advance", new { seconds = by.TotalSeconds });

    public Task<JsonElement> FreezeClockAsync() => PostOkAsync("_emulator/clock/freeze", new { });

    /// <summary>A PENDING capture completes (PAYMENT.CAPTURE.COMPLETED) or is denied (PAYMENT.CAPTURE.DENIED).</summary>
    public Task<JsonElement> CompleteCaptureAsync(string captureId) => PostOkAsync($"_emulator/captures/{captureId}/complete", new { });

    public Task<JsonElement> DenyCaptureAsync(string captureId) => PostOkAsync($"_emulator/captures/{captureId}/deny", new { });

    /// <summary>PayPal reverses what is left of the capture (PAYMENT.CAPTURE.REVERSED); answers the reversal (a refund).</summary>
    public Task<JsonElement> ReverseCaptureAsync(string captureId) => PostOkAsync($"_emulator/captures/{captureId}/reverse", new { });

    /// <summary>The next refund of this capture is PENDING until <see cref="SettleRefundAsync"/>.</summary>
    public Task<JsonElement> MakeNextRefundPendingAsync(string captureId) => PostOkAsync($"_emulator/captures/{captureId}/next_refund", new { status = "PENDING" });

    /// <param name="outcome"><c>complete</c>, <c>fail</c> or <c>cancel</c>.</param>
    public Task<JsonElement> SettleRefundAsync(string refundId, string outcome) => PostOkAsync($"_emulator/refunds/{refundId}/{outcome}", new { });

    /// <summary>Changes webhook settings (<c>url</c>, <c>webhookId</c>, <c>eventTypes</c>, <c>paused</c>, <c>shuffle</c>, <c>duplicates</c>, <c>maxAttempts</c>, <c>retryDelaySeconds</c>, <c>maxRetryDelaySeconds</c>, <c>timeoutMs</c>).</summary>
    public Task<JsonElement> ConfigureWebhooksAsync(object settings) => PostOkAsync("_emulator/webhook_delivery", settings);

    /// <summary>Waits until every queued delivery is delivered or given up; answers how many are still pending (0 unless paused or timed out).</summary>
    public async Task<int> FlushWebhooksAsync(int timeoutMs = 10_000)
    {
        using var response = await Control.PostAsync($"_emulator/webhook_delivery/flush?timeoutMs={timeoutMs}", null);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pending").GetInt32();
    }

    /// <summary>Every delivery attempt: <c>{eventId, eventType, attempt, copy, transmissionId, transmissionTime, status, error, at}</c>.</summary>
    public Task<JsonElement[]> WebhookDeliveriesAsync() => GetArrayAsync("_emulator/webhook_deliveries");

    /// <summary>Every event emitted, oldest first: <c>{id, eventType, resourceType, createTime, body}</c> (body: the exact bytes delivered).</summary>
    public Task<JsonElement[]> WebhookEventsAsync() => GetArrayAsync("_emulator/webhook_events");

    public Task<JsonElement> ResendWebhookAsync(string eventId) => PostOkAsync($"_emulator/webhook_events/{eventId}/resend", new { });

    /// <summary>Every access token issued so far stops working (401 invalid_token).</summary>
    public Task<JsonElement> ExpireTokensAsync() => PostOkAsync("_emulator/tokens/expire", new { });

    /// <summary>The root CA that (through an intermediate) issued the webhook signing certificate: trust it in development only.</summary>
    public async Task<X509Certificate2> RootCertificateAsync() =>
        X509Certificate2.CreateFromPem(await Control.GetStringAsync("_emulator/root-ca.pem"));

    /// <summary><c>{baseUrl, clientId, appId, tokenLifetimeSeconds, webhookId, webhookUrl, certUrl, leafCommonName, orderLifetimeSeconds}</c>.</summary>
    public async Task<JsonElement> ConfigAsync() => await Control.GetFromJsonAsync<JsonElement>("_emulator/config");
}
