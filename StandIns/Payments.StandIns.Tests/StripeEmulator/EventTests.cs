using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Stripe;
using Xunit;

namespace Payments.StandIns.Tests.StripeEmulator;

public sealed class EventTests : EmulatorTest
{
    [Fact]
    public async Task APaymentEmitsCreatedChargeSucceededAndSucceededInOrder()
    {
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(Payment(2000, "pm_card_visa", confirm: true), new RequestOptions { IdempotencyKey = "pay-1" });

        var events = (await Stripe.V1.Events.ListAsync()).Data;

        Assert.Equal(["payment_intent.succeeded", "charge.succeeded", "payment_intent.created"], events.Select(e => e.Type));
        Assert.All(events, e =>
        {
            Assert.Matches("^evt_[A-Za-z0-9]{24}$", e.Id);
            Assert.Equal("2026-10-28.endive", e.ApiVersion);
            Assert.False(e.Livemode);
            Assert.Equal(0, e.PendingWebhooks);
            Assert.Equal(intent.StripeResponse.RequestId, e.Request.Id);
            Assert.Equal("pay-1", e.Request.IdempotencyKey);
        });

        // Each event carries the object as it was at that moment.
        var created = (PaymentIntent)events[2].Data.Object;
        Assert.Equal((intent.Id, "requires_confirmation", 0L), (created.Id, created.Status, created.AmountReceived));
        var charge = (Charge)events[1].Data.Object;
        Assert.Equal((intent.LatestChargeId, "succeeded"), (charge.Id, charge.Status));
        var succeeded = (PaymentIntent)events[0].Data.Object;
        Assert.Equal(("succeeded", 2000L), (succeeded.Status, succeeded.AmountReceived));

        var one = Assert.Single((await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "payment_intent.succeeded" })).Data);
        Assert.Equal((events[0].Id, intent.Id), (one.Id, ((PaymentIntent)one.Data.Object).Id));

        // A replayed request changes nothing, so it emits nothing.
        await Stripe.V1.PaymentIntents.CreateAsync(Payment(2000, "pm_card_visa", confirm: true), new RequestOptions { IdempotencyKey = "pay-1" });
        Assert.Equal(3, (await Stripe.V1.Events.ListAsync()).Data.Count);
    }

    [Fact]
    public async Task ManualCaptureAndRefundEmitTheirEvents()
    {
        var options = Payment(2000, "pm_card_visa", confirm: true);
        options.CaptureMethod = "manual";
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(options);
        await Stripe.V1.PaymentIntents.CaptureAsync(intent.Id, new PaymentIntentCaptureOptions());
        var refund = await Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id, Amount = 500 });

        Assert.Equal(
            [
                "payment_intent.created", "charge.succeeded", "payment_intent.amount_capturable_updated",
                "charge.captured", "payment_intent.succeeded", "refund.created", "charge.refunded",
            ],
            await EventTypesAsync());

        var refunded = (await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "charge.refunded" })).Data.Single();
        Assert.Equal(500L, ((Charge)refunded.Data.Object).AmountRefunded);
        var capturable = (await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "payment_intent.amount_capturable_updated" })).Data.Single();
        Assert.Equal(2000L, ((PaymentIntent)capturable.Data.Object).AmountCapturable);
        Assert.Equal(refund.Id, ((Refund)(await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "refund.created" })).Data.Single().Data.Object).Id);
    }

    [Fact]
    public async Task APartialCaptureAndACanceledAuthorizationSendNoChargeRefunded()
    {
        var options = Payment(2000, "pm_card_visa", confirm: true);
        options.CaptureMethod = "manual";
        var partial = await Stripe.V1.PaymentIntents.CreateAsync(options);
        await Stripe.V1.PaymentIntents.CaptureAsync(partial.Id, new PaymentIntentCaptureOptions { AmountToCapture = 700 });
        var voided = await Stripe.V1.PaymentIntents.CreateAsync(options);
        await Stripe.V1.PaymentIntents.CancelAsync(voided.Id);

        var types = await EventTypesAsync();
        Assert.Contains("charge.captured", types);
        Assert.Contains("payment_intent.canceled", types);
        Assert.DoesNotContain("charge.refunded", types);
        Assert.DoesNotContain("refund.created", types);
    }

    [Fact]
    public async Task DeclinesThreeDSecureAndCancellationsEmitTheirEvents()
    {
        await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error",
            () => Stripe.V1.PaymentIntents.CreateAsync(Payment(2000, "pm_card_visa_chargeDeclined", confirm: true)));
        var threeDs = await Stripe.V1.PaymentIntents.CreateAsync(Payment(2000, "pm_card_authenticationRequired", confirm: true));
        await AuthenticateAsync(threeDs.Id);
        var failing = await Stripe.V1.PaymentIntents.CreateAsync(Payment(2000, "pm_card_authenticationRequired", confirm: true));
        await AuthenticateAsync(failing.Id, succeed: false);
        await Stripe.V1.PaymentIntents.CancelAsync(failing.Id);

        Assert.Equal(
            [
                "payment_intent.created", "charge.failed", "payment_intent.payment_failed",
                "payment_intent.created", "payment_intent.requires_action", "charge.succeeded", "payment_intent.succeeded",
                "payment_intent.created", "payment_intent.requires_action", "payment_intent.payment_failed", "payment_intent.canceled",
            ],
            await EventTypesAsync());

        // What the customer does in the browser is not an API request of ours.
        var afterAuthentication = (await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "payment_intent.succeeded" })).Data.Single();
        Assert.Null(afterAuthentication.Request.Id);
        Assert.Null(afterAuthentication.Request.IdempotencyKey);
    }

    [Fact]
    public async Task AnExpiredAuthorizationEmitsChargeExpiredAndCanceled()
    {
        var options = Payment(2000, "pm_card_visa", confirm: true);
        options.CaptureMethod = "manual";
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(options);

        await ControlAsync($"/_emulator/payment_intents/{intent.Id}/expire_authorization");

        var types = await EventTypesAsync();
        Assert.Equal(["charge.expired", "payment_intent.canceled"], types.TakeLast(2));
        var canceled = (await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "payment_intent.canceled" })).Data.Single();
        Assert.Equal("expired", ((PaymentIntent)canceled.Data.Object).CancellationReason);
        Assert.DoesNotContain("charge.refunded", types);
    }

    [Fact]
    public async Task SetupIntentsEmitTheirEventsToo()
    {
        var customer = await NewCustomerAsync();
        var setup = await Stripe.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions
        {
            Customer = customer.Id,
            PaymentMethod = "pm_card_authenticationRequired",
            Confirm = true,
            AutomaticPaymentMethods = new SetupIntentAutomaticPaymentMethodsOptions { Enabled = true, AllowRedirects = "never" },
        });
        await AuthenticateAsync(setup.Id, succeed: false);

        Assert.Equal(
            ["customer.created", "setup_intent.created", "setup_intent.requires_action", "setup_intent.setup_failed"],
            await EventTypesAsync());
        var failed = await Stripe.V1.SetupIntents.GetAsync(setup.Id);
        Assert.Equal(("requires_payment_method", "setup_intent_authentication_failure"), (failed.Status, failed.LastSetupError.Code));
    }

    [Fact]
    public async Task ListingFiltersByTypeAndTimeAndPages()
    {
        var before = DateTime.UtcNow.AddSeconds(-5);
        for (var i = 0; i < 3; i++)
        {
            await Stripe.V1.PaymentIntents.CreateAsync(Payment(1000 + i, "pm_card_visa", confirm: true));
        }

        var intentEvents = await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "payment_intent.*" });
        Assert.Equal(6, intentEvents.Data.Count);
        Assert.All(intentEvents.Data, e => Assert.StartsWith("payment_intent.", e.Type, StringComparison.Ordinal));
        Assert.Equal(3, (await Stripe.V1.Events.ListAsync(new EventListOptions { Types = ["charge.succeeded"] })).Data.Count);

        Assert.Equal(9, (await Stripe.V1.Events.ListAsync(new EventListOptions { Created = new DateRangeOptions { GreaterThanOrEqual = before } })).Data.Count);
        Assert.Empty((await Stripe.V1.Events.ListAsync(new EventListOptions { Created = new DateRangeOptions { GreaterThan = DateTime.UtcNow.AddMinutes(1) } })).Data);

        var page1 = await Stripe.V1.Events.ListAsync(new EventListOptions { Limit = 4 });
        var page2 = await Stripe.V1.Events.ListAsync(new EventListOptions { Limit = 4, StartingAfter = page1.Data[^1].Id });
        var page3 = await Stripe.V1.Events.ListAsync(new EventListOptions { Limit = 4, StartingAfter = page2.Data[^1].Id });
        Assert.True(page1.HasMore);
        Assert.True(page2.HasMore);
        Assert.False(page3.HasMore);
        Assert.Equal(9, page1.Data.Concat(page2.Data).Concat(page3.Data).Select(e => e.Id).Distinct().Count());
        Assert.Equal("payment_intent.succeeded", page1.Data[0].Type);
    }

    [Fact]
    public async Task EventJsonHasStripesShape()
    {
        await Stripe.V1.PaymentIntents.CreateAsync(Payment(1000));
        using var http = new HttpClient { BaseAddress = Server.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk_test_raw");

        using var doc = JsonDocument.Parse(await http.GetStringAsync("/v1/events?limit=1"));
        var evt = doc.RootElement.GetProperty("data")[0];

        Assert.Equal(
            ["id", "object", "api_version", "created", "data", "livemode", "pending_webhooks", "request", "type"],
            evt.EnumerateObject().Select(p => p.Name));
        Assert.Equal("event", evt.GetProperty("object").GetString());
        Assert.Equal("payment_intent", evt.GetProperty("data").GetProperty("object").GetProperty("object").GetString());
        // Stripe.net adds an Idempotency-Key to every POST; the event names the request and its key.
        Assert.StartsWith("req_", evt.GetProperty("request").GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, evt.GetProperty("request").GetProperty("idempotency_key").ValueKind);
        Assert.Equal(JsonValueKind.Number, evt.GetProperty("created").ValueKind);
    }

    [Fact]
    public async Task CheckoutEventsListByTypeTimeAndPage()
    {
        var before = DateTime.UtcNow.AddSeconds(-5);
        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions());
        await CompleteCheckoutAsync(session.Id);

        var some = await Stripe.V1.Events.ListAsync(new EventListOptions { Types = ["invoice.paid", "customer.subscription.created"] });
        Assert.Equal(["invoice.paid", "customer.subscription.created"], some.Data.Select(e => e.Type));
        Assert.Equal(2, (await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "customer.subscription.*" })).Data.Count);
        Assert.Equal(4, (await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "invoice.*" })).Data.Count);
        Assert.Equal(11, (await Stripe.V1.Events.ListAsync(new EventListOptions { Limit = 100, Created = new DateRangeOptions { GreaterThanOrEqual = before } })).Data.Count);

        var seen = new List<string>();
        string? after = null;
        do
        {
            var page = await Stripe.V1.Events.ListAsync(new EventListOptions { Limit = 4, StartingAfter = after });
            seen.AddRange(page.Data.Select(e => e.Type));
            after = page.HasMore ? page.Data[^1].Id : null;
        }
        while (after is not null);

        Assert.Equal(await EventTypesAsync(), Enumerable.Reverse(seen));
        var sessionEvent = (await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "checkout.session.completed" })).Data.Single();
        Assert.Equal(session.Id, ((global::Stripe.Checkout.Session)sessionEvent.Data.Object).Id);
    }
}
