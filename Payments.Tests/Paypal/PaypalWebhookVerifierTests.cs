using System.IO.Hashing;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Payments.Core.Paypal;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Paypal;

/// <summary>
/// Self-verification of PayPal webhooks against a certificate chain made here, served over a loopback HTTP server
/// standing in for the emulator's origin (the only place a Development setup may fetch certificates from over http).
/// </summary>
public sealed class PaypalWebhookVerifierTests : IAsyncLifetime, IDisposable
{
    private const string WebhookId = "WH-TEST-1";
    private const string Body = """{"id":"WH-1","event_type":"CHECKOUT.ORDER.APPROVED","resource":{"id":"5O190127TN364715T","status":"APPROVED"}}""";

    private readonly RSA _key = RSA.Create(2048);
    private readonly RSA _strangerKey = RSA.Create(2048);
    private readonly RSA _expiredKey = RSA.Create(2048);
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2 _strangerRoot;
    private volatile string _currentPem;
    private readonly string _expiredPem;
    private readonly string _strangerPem;
    private LoopbackHttpServer _server = null!;

    public PaypalWebhookVerifierTests()
    {
        var now = DateTimeOffset.UtcNow;
        _root = TestCertificates.Root("Emulator Root", now.AddYears(-1), now.AddYears(1));
        _strangerRoot = TestCertificates.Root("Someone Else", now.AddYears(-1), now.AddYears(1));
        using var leaf = TestCertificates.Leaf(_root, _key, now.AddDays(-1), now.AddDays(30));
        using var expired = TestCertificates.Leaf(_root, _expiredKey, now.AddDays(-60), now.AddDays(-1));
        using var stranger = TestCertificates.Leaf(_strangerRoot, _strangerKey, now.AddDays(-1), now.AddDays(30));
        _currentPem = leaf.ExportCertificatePem();
        _expiredPem = expired.ExportCertificatePem();
        _strangerPem = stranger.ExportCertificatePem();
    }

    public async Task InitializeAsync() =>
        _server = await LoopbackHttpServer.StartAsync((request, response) => request.PathAndQuery switch
        {
            "/v1/notifications/certs/CERT-1" => response.WriteAsync(_currentPem),
            "/v1/notifications/certs/CERT-EXPIRED" => response.WriteAsync(_expiredPem),
            "/v1/notifications/certs/CERT-STRANGER" => response.WriteAsync(_strangerPem),
            "/root.pem" => response.WriteAsync(_root.ExportCertificatePem()),
            _ => Task.FromResult(response.StatusCode = 404),
        });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose()
    {
        _key.Dispose();
        _strangerKey.Dispose();
        _expiredKey.Dispose();
        _root.Dispose();
        _strangerRoot.Dispose();
    }

    private Uri CertUrl(string name = "CERT-1") => new(_server.BaseUrl, $"v1/notifications/certs/{name}");

    private int Fetches(string path) => _server.Requests.Count(r => r.PathAndQuery == path);

    private PaypalWebhookVerifier Verifier(string environment = "Development", TimeProvider? clock = null, Action<PaypalOptions>? change = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Paypal:BaseUrl"] = _server.BaseUrl.ToString().TrimEnd('/'),
            ["Paypal:ClientId"] = "client", ["Paypal:ClientSecret"] = "secret", ["Paypal:WebhookId"] = WebhookId,
            ["Paypal:Webhooks:DevelopmentTrustRootUrl"] = new Uri(_server.BaseUrl, "root.pem").ToString(),
        };
        return PaypalServices.Build(settings, environment, clock, s =>
        {
            if (change is not null)
                s.PostConfigure(change);
        }).GetRequiredService<PaypalWebhookVerifier>();
    }

    /// <summary>A delivery as PayPal signs it: <c>transmission_id|transmission_time|webhook_id|crc32(body)</c>, SHA256withRSA.</summary>
    private static (PaypalWebhookHeaders Headers, byte[] Body) Delivery(
        RSA key, Uri certUrl, string body = Body, DateTimeOffset? at = null, string webhookId = WebhookId, string algorithm = "SHA256withRSA",
        Func<uint, string>? crcText = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var id = Guid.NewGuid().ToString();
        var time = (at ?? DateTimeOffset.UtcNow).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var crc = Crc32.HashToUInt32(bytes);
        var signed = Encoding.UTF8.GetBytes($"{id}|{time}|{webhookId}|{(crcText ?? (c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)))(crc)}");
        var signature = Convert.ToBase64String(key.SignData(signed, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        return (new PaypalWebhookHeaders(id, time, signature, certUrl.ToString(), algorithm), bytes);
    }

    private static async Task<PaypalWebhookVerification> VerifyAsync(PaypalWebhookVerifier verifier, (PaypalWebhookHeaders Headers, byte[] Body) delivery) =>
        await verifier.VerifyAsync(delivery.Headers, delivery.Body, default);

    [Fact]
    public async Task A_genuine_delivery_verifies_and_its_certificate_is_fetched_once()
    {
        var verifier = Verifier();

        var first = await VerifyAsync(verifier, Delivery(_key, CertUrl()));
        var second = await VerifyAsync(verifier, Delivery(_key, CertUrl(), body: """{"id":"WH-2"}"""));

        Assert.True(first.Verified, first.Reason);
        Assert.True(second.Verified, second.Reason);
        Assert.Equal(1, Fetches("/v1/notifications/certs/CERT-1"));
        Assert.Equal(1, Fetches("/root.pem"));
    }

    [Fact]
    public async Task A_signature_made_with_another_key_is_refused()
    {
        var verdict = await VerifyAsync(Verifier(), Delivery(_strangerKey, CertUrl()));
        Assert.Equal(PaypalWebhookRefusal.BadSignature, verdict.Refusal);

        var (headers, body) = Delivery(_key, CertUrl());
        var garbled = await Verifier().VerifyAsync(headers with { TransmissionSig = "not base64 !" }, body, default);
        Assert.Equal(PaypalWebhookRefusal.BadSignature, garbled.Refusal);
    }

    [Fact]
    public async Task A_changed_body_is_refused_even_the_same_json_reformatted()
    {
        var verifier = Verifier();
        var (headers, body) = Delivery(_key, CertUrl());

        var tampered = Encoding.UTF8.GetBytes(Body.Replace("APPROVED\"}", "COMPLETED\"}", StringComparison.Ordinal));
        var reformatted = Encoding.UTF8.GetBytes(Body.Replace(",", ", ", StringComparison.Ordinal));

        Assert.Equal(PaypalWebhookRefusal.BadSignature, (await verifier.VerifyAsync(headers, tampered, default)).Refusal);
        Assert.Equal(PaypalWebhookRefusal.BadSignature, (await verifier.VerifyAsync(headers, reformatted, default)).Refusal);
        Assert.True((await verifier.VerifyAsync(headers, body, default)).Verified);
    }

    [Fact]
    public async Task A_delivery_signed_for_another_webhook_is_refused() =>
        Assert.Equal(PaypalWebhookRefusal.BadSignature, (await VerifyAsync(Verifier(), Delivery(_key, CertUrl(), webhookId: "WH-SOMEONE-ELSE"))).Refusal);

    [Fact]
    public async Task The_crc_is_signed_as_an_unsigned_decimal()
    {
        // A body whose CRC-32 has its top bit set: as a signed int it would print negative.
        var body = Enumerable.Range(0, 1000).Select(i => $$"""{"id":"WH-{{i}}"}""").First(b => Crc32.HashToUInt32(Encoding.UTF8.GetBytes(b)) > int.MaxValue);
        var verifier = Verifier();

        var unsigned = await VerifyAsync(verifier, Delivery(_key, CertUrl(), body));
        var signedInt = await VerifyAsync(verifier, Delivery(_key, CertUrl(), body, crcText: c => unchecked((int)c).ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.True(unsigned.Verified, unsigned.Reason);
        Assert.Equal(PaypalWebhookRefusal.BadSignature, signedInt.Refusal);
    }

    [Theory]
    [InlineData("https://evil.example.com/v1/notifications/certs/CERT-1")]
    [InlineData("http://api.paypal.com/v1/notifications/certs/CERT-1")]
    [InlineData("https://api.paypal.com.evil.example.com/v1/notifications/certs/CERT-1")]
    [InlineData("https://user@api.paypal.com/v1/notifications/certs/CERT-1")]
    [InlineData("https://api.paypal.com:8443/v1/notifications/certs/CERT-1")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/v1/notifications/certs/CERT-1")]
    public async Task A_certificate_is_never_fetched_from_anywhere_but_PayPals_hosts_over_https(string certUrl)
    {
        var (headers, body) = Delivery(_key, new Uri("https://api.paypal.com/v1/notifications/certs/CERT-1"));
        var verdict = await Verifier().VerifyAsync(headers with { CertUrl = certUrl }, body, default);
        Assert.Equal(PaypalWebhookRefusal.CertificateUrlNotAllowed, verdict.Refusal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task The_emulators_origin_is_trusted_only_in_development_with_a_development_root()
    {
        var noRoot = await VerifyAsync(Verifier(change: o => o.Webhooks.DevelopmentTrustRootUrl = null), Delivery(_key, CertUrl()));
        var production = await VerifyAsync(
            Verifier(Environments.Production, change: o => { o.BaseUrl = "https://api-m.paypal.com"; o.Webhooks.DevelopmentTrustRootUrl = null; }),
            Delivery(_key, CertUrl()));

        Assert.Equal(PaypalWebhookRefusal.CertificateUrlNotAllowed, noRoot.Refusal);
        Assert.Equal(PaypalWebhookRefusal.CertificateUrlNotAllowed, production.Refusal);
        Assert.Empty(_server.Requests);
        // And the same delivery passes where it is allowed: the refusals above are the environment's doing.
        Assert.True((await VerifyAsync(Verifier("Testing"), Delivery(_key, CertUrl()))).Verified);
    }

    [Theory]
    [InlineData(-10)]
    [InlineData(10)]
    public async Task A_delivery_sent_too_long_ago_or_in_the_future_is_refused(int minutes)
    {
        var verdict = await VerifyAsync(Verifier(), Delivery(_key, CertUrl(), at: DateTimeOffset.UtcNow.AddMinutes(minutes)));
        Assert.Equal(PaypalWebhookRefusal.Stale, verdict.Refusal);
        Assert.True((await VerifyAsync(Verifier(), Delivery(_key, CertUrl(), at: DateTimeOffset.UtcNow.AddMinutes(minutes / 5)))).Verified);
    }

    [Fact]
    public async Task An_expired_certificate_is_refused()
    {
        var verdict = await VerifyAsync(Verifier(), Delivery(_expiredKey, CertUrl("CERT-EXPIRED")));
        Assert.Equal(PaypalWebhookRefusal.CertificateNotTrusted, verdict.Refusal);
        Assert.Contains("NotTimeValid", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_from_another_root_is_refused()
    {
        var verdict = await VerifyAsync(Verifier(), Delivery(_strangerKey, CertUrl("CERT-STRANGER")));
        Assert.Equal(PaypalWebhookRefusal.CertificateNotTrusted, verdict.Refusal);
    }

    [Fact]
    public async Task Another_algorithm_or_a_missing_header_is_refused_before_anything_is_fetched()
    {
        var (headers, body) = Delivery(_key, CertUrl());
        var verifier = Verifier();

        Assert.Equal(PaypalWebhookRefusal.UnsupportedAlgorithm, (await verifier.VerifyAsync(headers with { AuthAlgo = "SHA1withRSA" }, body, default)).Refusal);
        var missing = await verifier.VerifyAsync(headers with { TransmissionId = "" }, body, default);
        Assert.Equal(PaypalWebhookRefusal.MissingHeader, missing.Refusal);
        Assert.Contains(PaypalWebhookHeaders.TransmissionIdHeader, missing.Reason, StringComparison.Ordinal);
        Assert.Equal(PaypalWebhookRefusal.BadTransmissionTime, (await verifier.VerifyAsync(headers with { TransmissionTime = "yesterday" }, body, default)).Refusal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_certificate_host_that_does_not_answer_is_try_later_not_forged()
    {
        var closed = new Uri($"http://127.0.0.1:{LoopbackPorts.Closed()}/");
        var verifier = Verifier(change: o =>
        {
            o.BaseUrl = closed.ToString().TrimEnd('/');
            o.Webhooks.DevelopmentTrustRootUrl = null;
            o.Webhooks.DevelopmentTrustRootPem = _root.ExportCertificatePem();
        });

        var verdict = await VerifyAsync(verifier, Delivery(_key, new Uri(closed, "v1/notifications/certs/CERT-1")));

        Assert.Equal(PaypalWebhookRefusal.CertificateUnavailable, verdict.Refusal);
        Assert.True(verdict.TryLater);
    }

    [Fact]
    public async Task A_certificate_replaced_at_its_url_is_fetched_again_after_a_minute_not_on_every_forgery()
    {
        var clock = new ShiftedClock();
        var verifier = Verifier(clock: clock);
        Assert.True((await VerifyAsync(verifier, Delivery(_key, CertUrl()))).Verified);

        // The emulator restarted with a new key behind the same URL.
        using var newKey = RSA.Create(2048);
        using var replacement = TestCertificates.Leaf(_root, newKey, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        _currentPem = replacement.ExportCertificatePem();

        var soon = await VerifyAsync(verifier, Delivery(newKey, CertUrl(), at: clock.GetUtcNow()));
        Assert.Equal(PaypalWebhookRefusal.BadSignature, soon.Refusal);
        Assert.Equal(1, Fetches("/v1/notifications/certs/CERT-1"));

        clock.Offset = TimeSpan.FromMinutes(2);
        var later = await VerifyAsync(verifier, Delivery(newKey, CertUrl(), at: clock.GetUtcNow()));
        Assert.True(later.Verified, later.Reason);
        Assert.Equal(2, Fetches("/v1/notifications/certs/CERT-1"));
    }
}
