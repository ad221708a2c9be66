using System.IO.Hashing;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Payments.StandIns.Testing;
using Xunit;

namespace Payments.StandIns.Tests.PaypalEmulator;

public sealed class WebhookTests : PaypalTest, IAsyncLifetime
{
    private PaypalWebhookReceiver Receiver { get; set; } = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        Receiver = await PaypalWebhookReceiver.StartAsync();
        await InitializeAsync();
        await Server.ConfigureWebhooksAsync(new { url = Receiver.Url.ToString() });
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Receiver.DisposeAsync();
    }

    /// <summary>
    /// Self-verification as PayPal documents it, with the BCL only: fetch the certificate at PAYPAL-CERT-URL, build its
    /// chain to the trusted root (the emulator's, given by the control API), then check the RSA-SHA256 signature over
    /// <c>transmission_id|transmission_time|webhook_id|crc32(body)</c>.
    /// </summary>
    private async Task<bool> VerifiesAsync(PaypalDelivery delivery, byte[]? body = null, string webhookId = PaypalEmulatorServer.WebhookId)
    {
        using var anonymous = new HttpClient();
        var pem = await anonymous.GetStringAsync(delivery.Header("PAYPAL-CERT-URL"));
        var served = new X509Certificate2Collection();
        served.ImportFromPem(pem);
        Assert.Equal(2, served.Count);
        var leaf = served[0];
        using var root = await Server.RootCertificateAsync();
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange(served);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(3, chain.ChainElements.Count);
        Assert.Equal("messageverificationcerts.paypal.com-emulator", leaf.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Equal("SHA256withRSA", delivery.Header("PAYPAL-AUTH-ALGO"));

        var crc = Crc32.HashToUInt32(body ?? delivery.Body);
        var signed = $"{delivery.Header("PAYPAL-TRANSMISSION-ID")}|{delivery.Header("PAYPAL-TRANSMISSION-TIME")}|{webhookId}|{crc}";
        using var key = leaf.GetRSAPublicKey()!;
        return key.VerifyData(Encoding.UTF8.GetBytes(signed), Convert.FromBase64String(delivery.Header("PAYPAL-TRANSMISSION-SIG")), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    [Fact]
    public async Task Events_arrive_in_PayPals_shape_signed_by_a_certificate_chaining_to_the_emulators_root()
    {
        await CaptureAsync("12.34");
        Assert.Equal(0, await Server.FlushWebhooksAsync());

        var deliveries = Receiver.Deliveries;
        Assert.Equal(2, deliveries.Count);
        var approved = JsonDocument.Parse(deliveries[0].Body).RootElement;
        Assert.Matches("^WH-[0-9A-Z]{17}-[0-9A-Z]{17}$", approved.GetProperty("id").GetString());
        Assert.Equal("CHECKOUT.ORDER.APPROVED", approved.GetProperty("event_type").GetString());
        Assert.Equal("checkout-order", approved.GetProperty("resource_type").GetString());
        Assert.Equal("1.0", approved.GetProperty("event_version").GetString());
        Assert.Equal("APPROVED", approved.GetProperty("resource").GetProperty("status").GetString());
        Assert.Equal("self", approved.GetProperty("links")[0].GetProperty("rel").GetString());
        var completed = JsonDocument.Parse(deliveries[1].Body).RootElement;
        Assert.Equal("PAYMENT.CAPTURE.COMPLETED", completed.GetProperty("event_type").GetString());
        Assert.Equal("capture", completed.GetProperty("resource_type").GetString());
        Assert.Equal("12.34 USD", Money(completed.GetProperty("resource").GetProperty("amount")));
        Assert.False(string.IsNullOrEmpty(completed.GetProperty("resource").GetProperty("supplementary_data").GetProperty("related_ids").GetProperty("order_id").GetString()));

        foreach (var delivery in deliveries)
        {
            Assert.True(Guid.TryParse(delivery.Header("PAYPAL-TRANSMISSION-ID"), out _));
            Assert.Matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$", delivery.Header("PAYPAL-TRANSMISSION-TIME"));
            Assert.StartsWith(Server.BaseUrl + "v1/notifications/certs/CERT-", delivery.Header("PAYPAL-CERT-URL"), StringComparison.Ordinal);
            Assert.True(await VerifiesAsync(delivery));
        }

        var tampered = (byte[])deliveries[1].Body.Clone();
        tampered[^3] ^= 0x01;
        Assert.False(await VerifiesAsync(deliveries[1], tampered));
        Assert.False(await VerifiesAsync(deliveries[1], webhookId: "SOMEOTHERWEBHOOK"));
    }

    [Fact]
    public async Task The_postback_API_says_SUCCESS_only_for_the_event_exactly_as_delivered()
    {
        await ApprovedOrderAsync();
        Assert.Equal(0, await Server.FlushWebhooksAsync());
        var delivery = Receiver.Deliveries.Single();
        var raw = Encoding.UTF8.GetString(delivery.Body);

        string Request(string webhookEvent, string webhookId = PaypalEmulatorServer.WebhookId) =>
            $$"""{"auth_algo":"{{delivery.Header("PAYPAL-AUTH-ALGO")}}","cert_url":"{{delivery.Header("PAYPAL-CERT-URL")}}","transmission_id":"{{delivery.Header("PAYPAL-TRANSMISSION-ID")}}","transmission_sig":"{{delivery.Header("PAYPAL-TRANSMISSION-SIG")}}","transmission_time":"{{delivery.Header("PAYPAL-TRANSMISSION-TIME")}}","webhook_id":"{{webhookId}}","webhook_event":{{webhookEvent}}}""";

        var verified = await PostAsync("/v1/notifications/verify-webhook-signature", rawBody: Request(raw), representation: false);
        Assert.Equal(HttpStatusCode.OK, verified.Status);
        Assert.Equal("SUCCESS", verified.Body.GetProperty("verification_status").GetString());

        var reserialized = JsonNode.Parse(raw)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        Assert.Equal("FAILURE", (await PostAsync("/v1/notifications/verify-webhook-signature", rawBody: Request(reserialized))).Body.GetProperty("verification_status").GetString());
        Assert.Equal("FAILURE", (await PostAsync("/v1/notifications/verify-webhook-signature", rawBody: Request(raw, "OTHERWEBHOOKID"))).Body.GetProperty("verification_status").GetString());
        AssertError(await PostAsync("/v1/notifications/verify-webhook-signature", new { auth_algo = "SHA256withRSA" }), HttpStatusCode.BadRequest, "INVALID_REQUEST", "MISSING_REQUIRED_PARAMETER");
    }

    [Fact]
    public async Task A_failed_delivery_is_retried_as_a_new_transmission_when_the_emulators_clock_reaches_the_retry()
    {
        Receiver.Respond = n => n == 1 ? 500 : 200;
        await ApprovedOrderAsync();

        // The first attempt failed; its retry waits 60 s on the emulator's clock, so nothing moves until that passes.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await Server.WebhookDeliveriesAsync()).Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the first attempt never happened");
            await Task.Delay(10);
        }

        Assert.Equal(1, await Server.FlushWebhooksAsync(timeoutMs: 200));
        Assert.Single(Receiver.Deliveries);
        await AdvanceAsync(TimeSpan.FromSeconds(61));
        Assert.Equal(0, await Server.FlushWebhooksAsync());

        var attempts = await Server.WebhookDeliveriesAsync();
        Assert.Equal([500, 200], attempts.Select(a => a.GetProperty("status").GetInt32()));
        Assert.Equal([1, 2], attempts.Select(a => a.GetProperty("attempt").GetInt32()));
        Assert.NotEqual(attempts[0].GetProperty("transmissionId").GetString(), attempts[1].GetProperty("transmissionId").GetString());
        Assert.Equal(Receiver.Deliveries[0].Body, Receiver.Deliveries[1].Body);
        Assert.True(await VerifiesAsync(Receiver.Deliveries[1]));
    }

    [Fact]
    public async Task Deliveries_give_up_after_max_attempts_and_resend_sends_the_same_event_again()
    {
        await Server.ConfigureWebhooksAsync(new { retryDelaySeconds = 0.01, maxAttempts = 3 });
        Receiver.Respond = _ => 503;
        await ApprovedOrderAsync();
        Assert.Equal(0, await Server.FlushWebhooksAsync());
        Assert.Equal(3, Receiver.Deliveries.Count);

        Receiver.Respond = _ => 200;
        var evt = (await Server.WebhookEventsAsync()).Single();
        var resent = await PostAsync($"/v1/notifications/webhooks-events/{evt.GetProperty("id").GetString()}/resend", new { });
        Assert.Equal(HttpStatusCode.Accepted, resent.Status);
        Assert.Equal(0, await Server.FlushWebhooksAsync());

        Assert.Equal(4, Receiver.Deliveries.Count);
        Assert.Equal(200, Receiver.Deliveries[3].Answer);
        Assert.Equal(evt.GetProperty("body").GetString(), Encoding.UTF8.GetString(Receiver.Deliveries[3].Body));
        var shown = await GetAsync($"/v1/notifications/webhooks-events/{evt.GetProperty("id").GetString()}");
        Assert.Equal("CHECKOUT.ORDER.APPROVED", shown.Body.GetProperty("event_type").GetString());
    }
}
