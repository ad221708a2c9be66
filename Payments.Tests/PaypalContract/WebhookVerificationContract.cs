using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Payments.Core;
using Payments.Core.Paypal;
using Payments.Tests.Paypal;
using Xunit;

namespace Payments.Tests.PaypalContract;

/// <summary>
/// Our verifier on webhooks the emulator signs as PayPal does (its root → intermediate → leaf chain, the leaf and
/// intermediate at its cert URL, the root trusted in Testing only): what the product will receive at its webhook.
/// </summary>
[Collection(PaypalContractGroup.Name)]
public sealed class WebhookVerificationContract(PaypalContractFixture paypal)
{
    private PaypalEmulatorServer Emulator => paypal.Emulator ?? throw new InvalidOperationException("This test needs the emulator.");

    private PaypalWebhookVerifier Verifier()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Paypal:BaseUrl"] = Emulator.BaseUrl.ToString().TrimEnd('/'),
            ["Paypal:ClientId"] = PaypalEmulatorServer.ClientId, ["Paypal:ClientSecret"] = PaypalEmulatorServer.ClientSecret,
            ["Paypal:WebhookId"] = PaypalEmulatorServer.WebhookId,
            ["Paypal:Webhooks:DevelopmentTrustRootUrl"] = new Uri(Emulator.BaseUrl, "_emulator/root-ca.pem").ToString(),
        };
        return PaypalServices.Build(settings).GetRequiredService<PaypalWebhookVerifier>();
    }

    [EmulatorFact]
    public async Task Deliveries_the_emulator_signs_verify_and_a_changed_byte_does_not()
    {
        await using var receiver = await LoopbackHttpServer.StartAsync((_, response) => Task.FromResult(response.StatusCode = 200));
        await Emulator.ConfigureWebhooksAsync(new { url = new Uri(receiver.BaseUrl, "api/paypal/webhook").ToString() });
        try
        {
            var ours = paypal.NewId("pur");
            var order = await paypal.Client.CreateOrderAsync(
                new PaypalOrderRequest(PaypalIntent.Capture, [new PaypalPurchaseUnitRequest(ours, new Money(1500, "JPY"))], "https://shop.example.com/r", "https://shop.example.com/c"),
                PaypalRequestId.PurchaseOrder(ours), default);
            await Emulator.ApproveAsync(order.Id);
            await paypal.Client.CaptureOrderAsync(order.Id, PaypalRequestId.OrderCapture(order.Id), default);
            await Emulator.FlushWebhooksAsync();
        }
        finally
        {
            await Emulator.ConfigureWebhooksAsync(new { url = "" });
        }

        var deliveries = receiver.Requests;
        Assert.Contains(deliveries, d => d.Body.Contains("CHECKOUT.ORDER.APPROVED", StringComparison.Ordinal));
        Assert.Contains(deliveries, d => d.Body.Contains("PAYMENT.CAPTURE.COMPLETED", StringComparison.Ordinal));
        var verifier = Verifier();
        foreach (var delivery in deliveries)
        {
            var headers = PaypalWebhookHeaders.From(name => delivery.Headers.GetValueOrDefault(name));
            var verdict = await verifier.VerifyAsync(headers, Encoding.UTF8.GetBytes(delivery.Body), default);
            Assert.True(verdict.Verified, verdict.Reason);

            var changed = Encoding.UTF8.GetBytes(delivery.Body.Replace("\"id\":\"", "\"id\":\"X", StringComparison.Ordinal));
            Assert.Equal(PaypalWebhookRefusal.BadSignature, (await verifier.VerifyAsync(headers, changed, default)).Refusal);
        }
    }
}
