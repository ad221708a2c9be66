using System.Net;
using Stripe;
using Xunit;

namespace Payments.StandIns.Tests.StripeEmulator;

public sealed class RefundTests : EmulatorTest
{
    /// <summary>A refund as Payments finds one: in the intent's refund list (/v1/refunds/{id} is not served).</summary>
    private async Task<Refund> RefundAsync(string paymentIntentId, string refundId) =>
        Assert.Single((await Stripe.V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = paymentIntentId })).Data, r => r.Id == refundId);

    private Task<PaymentIntent> PaidAsync(long amount = 2000, string paymentMethod = "pm_card_visa") =>
        Stripe.V1.PaymentIntents.CreateAsync(Payment(amount, paymentMethod, confirm: true));

    [Fact]
    public async Task AFullRefundRefundsTheChargeOnce()
    {
        var intent = await PaidAsync();

        var refund = await Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions
        {
            PaymentIntent = intent.Id,
            Reason = "requested_by_customer",
            Metadata = new() { ["ticket"] = "T-1" },
        });

        Assert.Matches("^re_[A-Za-z0-9]{24}$", refund.Id);
        Assert.Equal(("succeeded", 2000L, "usd"), (refund.Status, refund.Amount, refund.Currency));
        Assert.Equal((intent.LatestChargeId, intent.Id), (refund.ChargeId, refund.PaymentIntentId));
        Assert.Equal(("requested_by_customer", "T-1"), (refund.Reason, refund.Metadata["ticket"]));
        Assert.Equal(refund.Id, (await RefundAsync(intent.Id, refund.Id)).Id);

        var charge = await LatestChargeAsync(intent.Id);
        Assert.Equal((2000L, 2000L, true), (charge.AmountCaptured, charge.AmountRefunded, charge.Refunded));
        // The intent keeps what it received; refunds live on the charge.
        Assert.Equal(2000L, (await Stripe.V1.PaymentIntents.GetAsync(intent.Id)).AmountReceived);

        var again = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id }));
        Assert.Equal("charge_already_refunded", again.StripeError.Code);
    }

    [Fact]
    public async Task PartialRefundsAddUpToTheCapturedAmountAndNoFurther()
    {
        var intent = await PaidAsync(2000);

        var first = await Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id, Amount = 500 });
        var second = await Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { Charge = intent.LatestChargeId, Amount = 700 });
        Assert.Equal((500L, 700L), (first.Amount, second.Amount));
        var charge = await LatestChargeAsync(intent.Id);
        Assert.Equal((1200L, false), (charge.AmountRefunded, charge.Refunded));

        var tooMuch = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id, Amount = 801 }));
        Assert.Equal(("amount_too_large", "amount"), (tooMuch.StripeError.Code, tooMuch.StripeError.Param));
        Assert.Equal("Refund amount ($8.01) is greater than unrefunded amount on charge ($8.00)", tooMuch.StripeError.Message);

        var rest = await Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id });
        Assert.Equal(800L, rest.Amount);
        Assert.True((await LatestChargeAsync(intent.Id)).Refunded);

        var listed = await Stripe.V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = intent.Id });
        Assert.Equal([rest.Id, second.Id, first.Id], listed.Data.Select(r => r.Id));
        Assert.Equal(3, (await Stripe.V1.Refunds.ListAsync(new RefundListOptions { Charge = intent.LatestChargeId })).Data.Count);
    }

    [Fact]
    public async Task APartiallyCapturedPaymentRefundsOnlyWhatWasCaptured()
    {
        var options = Payment(2000, "pm_card_visa", confirm: true);
        options.CaptureMethod = "manual";
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(options);
        await Stripe.V1.PaymentIntents.CaptureAsync(intent.Id, new PaymentIntentCaptureOptions { AmountToCapture = 1200 });

        var e = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id, Amount = 1201 }));
        Assert.Equal("amount_too_large", e.StripeError.Code);

        var refund = await Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id });
        Assert.Equal(1200L, refund.Amount);
        var charge = await LatestChargeAsync(intent.Id);
        Assert.Equal((1200L, 1200L, true), (charge.AmountCaptured, charge.AmountRefunded, charge.Refunded));
    }

    [Fact]
    public async Task AnUncapturedPaymentCannotBeRefunded()
    {
        var options = Payment(2000, "pm_card_visa", confirm: true);
        options.CaptureMethod = "manual";
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(options);

        var byIntent = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id }));
        Assert.Equal(("charge_not_refundable", "payment_intent"), (byIntent.StripeError.Code, byIntent.StripeError.Param));
        var byCharge = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { Charge = intent.LatestChargeId }));
        Assert.Equal("charge_not_refundable", byCharge.StripeError.Code);

        Assert.Empty((await Stripe.V1.Refunds.ListAsync()).Data);
        Assert.Equal("requires_capture", (await Stripe.V1.PaymentIntents.GetAsync(intent.Id)).Status);
    }

    [Fact]
    public async Task AnUnpaidIntentHasNothingToRefund()
    {
        var open = await Stripe.V1.PaymentIntents.CreateAsync(Payment(2000));
        var e = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = open.Id }));
        Assert.Equal("charge_not_refundable", e.StripeError.Code);

        var declined = await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error",
            () => Stripe.V1.PaymentIntents.CreateAsync(Payment(2000, "pm_card_visa_chargeDeclined", confirm: true)));
        var failedCharge = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { Charge = declined.StripeError.Charge }));
        Assert.Equal("charge_not_refundable", failedCharge.StripeError.Code);
    }

    [Fact]
    public async Task BadRefundRequestsAreRefused()
    {
        var intent = await PaidAsync();

        var nothing = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { Amount = 100 }));
        Assert.Equal("parameter_missing", nothing.StripeError.Code);
        var reason = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id, Reason = "changed_mind" }));
        Assert.Equal("reason", reason.StripeError.Param);
        var missing = await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error",
            () => Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = "pi_nope" }));
        Assert.Equal(("resource_missing", "payment_intent"), (missing.StripeError.Code, missing.StripeError.Param));

        Assert.Equal(0L, (await LatestChargeAsync(intent.Id)).AmountRefunded);
    }

    [Fact]
    public async Task ARefundToPmCardRefundFailIsPendingThenFails()
    {
        var intent = await PaidAsync(2000, "pm_card_refundFail");

        var refund = await Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id });

        Assert.Equal("pending", refund.Status);
        Assert.Equal("processing", refund.PendingReason);
        var failed = await RefundAsync(intent.Id, refund.Id);
        Assert.Equal(("failed", "expired_or_canceled_card"), (failed.Status, failed.FailureReason));

        // The money is back on the charge, so it can be refunded (and fail) again.
        var charge = await LatestChargeAsync(intent.Id);
        Assert.Equal((0L, false), (charge.AmountRefunded, charge.Refunded));
        Assert.Equal("pending", (await Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id, Amount = 500 })).Status);

        // Listing events is itself a request, so the second refund has failed by then too.
        var types = await EventTypesAsync();
        Assert.Equal(
            ["refund.created", "charge.refunded", "refund.updated", "refund.failed", "refund.created", "charge.refunded", "refund.updated", "refund.failed"],
            types.Where(t => t.StartsWith("refund.", StringComparison.Ordinal) || t == "charge.refunded"));
        var updates = (await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "refund.updated" })).Data;
        Assert.All(updates, updated =>
        {
            Assert.Null(updated.Request.Id);
            Assert.Equal("failed", ((Refund)updated.Data.Object).Status);
            Assert.Equal("pending", ((Newtonsoft.Json.Linq.JObject)updated.Data.PreviousAttributes)["status"]!.ToString());
        });
    }

    [Fact]
    public async Task ARefundIsIdempotentByKey()
    {
        var intent = await PaidAsync();
        var options = new RefundCreateOptions { PaymentIntent = intent.Id, Amount = 300 };
        var key = new RequestOptions { IdempotencyKey = "refund-order-42" };

        var first = await Stripe.V1.Refunds.CreateAsync(options, key);
        var second = await Stripe.V1.Refunds.CreateAsync(options, key);

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(300L, (await LatestChargeAsync(intent.Id)).AmountRefunded);
    }
}
