using System.Text;
using Payments.Core.Stripe;
using Payments.Core.Webhooks;
using Stripe;
using Xunit;

namespace Payments.Tests.StripeContract;

/// <summary>Checkout Sessions as we open them, the event list we resync from, and events as Stripe.net reads them signed.</summary>
[Collection(StripeContractGroup.Name)]
public sealed class CheckoutAndEventsContract(StripeContractFixture stripe)
{
    private StripeGateway Gateway => stripe.Gateway;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_checkout_session_opens_with_our_sale_in_its_metadata(bool subscription)
    {
        var sale = $"sale_contract_{Guid.NewGuid():n}";
        List<CheckoutLine> lines = [new("Device", 2500, 2, null)];
        if (subscription)
            lines.Add(new CheckoutLine("Plan", 1500, 1, "month"));

        var session = await Gateway.CreateCheckoutSessionAsync(new CheckoutSessionRequest(
            subscription, "usd", lines, $"{sale}@example.com", "https://example.com/done", "https://example.com/cancel",
            new Dictionary<string, string> { ["sale_id"] = sale }), IdempotencyKeys.CheckoutSession(sale), default);

        Assert.StartsWith("cs_test_", session.Id, StringComparison.Ordinal);
        Assert.StartsWith("https://checkout.stripe.com/", session.Url, StringComparison.Ordinal);
        Assert.Equal(("open", "unpaid", sale), (session.Status, session.PaymentStatus, session.Metadata["sale_id"]));
        var read = await Gateway.GetCheckoutSessionAsync(session.Id, default);
        Assert.Equal((session.Id, sale), (read.Id, read.Metadata["sale_id"]));
    }

    [Fact]
    public async Task Events_list_what_happened_and_read_back_signed_at_our_api_version()
    {
        var since = DateTimeOffset.UtcNow.AddMinutes(-2); // allows for clock skew against Stripe
        var (user, customer) = await stripe.NewCustomerAsync();
        var purchase = $"pur_contract_{Guid.NewGuid():n}";
        var pm = await Gateway.AttachPaymentMethodAsync("pm_card_visa", customer, IdempotencyKeys.Attach(user, "card_1", "pm_card_visa"), default);
        var paid = await Gateway.CreatePaymentIntentAsync(new PaymentIntentRequest(
            1000, "usd", customer, pm.Id, true, false, new Dictionary<string, string> { ["purchase_id"] = purchase }, null), IdempotencyKeys.PaymentIntent(purchase), default);

        // Stripe records events asynchronously: poll (test mode may take a few seconds).
        (string Id, long Created, string Json) succeeded = default;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (succeeded.Json is null)
        {
            var events = await Gateway.ListEventsSinceAsync(since, default);
            succeeded = events.FirstOrDefault(e => e.Json.Contains("\"payment_intent.succeeded\"", StringComparison.Ordinal) && e.Json.Contains(paid.Id, StringComparison.Ordinal));
            Assert.True(succeeded.Json is not null || DateTime.UtcNow < deadline, "payment_intent.succeeded was never listed");
            if (succeeded.Json is null)
                await Task.Delay(500);
        }

        // Signed as Stripe signs a delivery: our check and Stripe.net's both accept it. Stripe.net also checks the
        // event's release train (endive): /v1/events renders at the account's default API version, so pin that.
        const string secret = "whsec_contract_suite";
        var body = Encoding.UTF8.GetBytes(succeeded.Json);
        var header = StripeSignature.Sign(body, secret, DateTimeOffset.UtcNow);
        Assert.True(StripeSignature.IsValid(body, header, [secret], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        var evt = EventUtility.ConstructEvent(succeeded.Json, header, secret);
        Assert.Equal("payment_intent.succeeded", evt.Type);
        Assert.Equal(paid.Id, ((PaymentIntent)evt.Data.Object).Id);
        Assert.Equal(paid.Id, StripeEventEnvelope.TryParse(body)!.SubjectId);
    }
}
