using Payments.Core.Cards;
using Payments.Core.Catalog;
using Payments.Core.Purchases;
using Payments.Core.Stripe;
using Xunit;

namespace Payments.Tests.Purchases;

public sealed class PurchaseRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly Quote Quote = new("USD", [new QuoteLine("poster", "Poster", "physical", 1, 10000, 10000, 500)], 10000, 1000, 500, 11500);

    private static Purchase NewPurchase() => Purchase.Start("pur_1", "user", "card_1", Quote, CaptureMethod.Manual, null, Now);

    private static PaymentIntentSnapshot Intent(string status, long capturable = 0, long received = 0, long refunded = 0, string? error = null) =>
        new("pi_1", status, "usd", 11500, Math.Max(capturable, received), capturable, received, refunded, "pi_1_secret_x", error, null, new Dictionary<string, string>());

    [Fact]
    public void An_authorization_then_a_partial_capture_then_refunds_move_forward()
    {
        var p = NewPurchase();
        Assert.True(p.Apply(Intent("requires_capture", capturable: 11500), Now));
        Assert.Equal(PurchaseStatus.Authorized, p.Status);
        Assert.Equal(Now, p.AuthorizedAt);

        Assert.True(p.Apply(Intent("succeeded", received: 9000), Now));
        Assert.Equal(PurchaseStatus.Succeeded, p.Status);
        Assert.Equal(9000, p.AmountCaptured);
        Assert.Equal(11500, p.AmountAuthorized);

        Assert.NotNull(p.ApplyRefund(new RefundSnapshot("re_1", "succeeded", 4000), Now));
        Assert.Equal(PurchaseStatus.PartiallyRefunded, p.Status);
        Assert.Equal(5000, p.Refundable);

        Assert.NotNull(p.ApplyRefund(new RefundSnapshot("re_2", "succeeded", 5000), Now));
        Assert.True(p.Apply(Intent("succeeded", received: 9000, refunded: 9000), Now));
        Assert.Equal(PurchaseStatus.Refunded, p.Status);
        Assert.Equal(0, p.Refundable);
    }

    [Fact]
    public void An_older_state_never_overwrites_a_newer_one()
    {
        var p = NewPurchase();
        p.Apply(Intent("succeeded", received: 11500), Now);

        Assert.False(p.Apply(Intent("requires_capture", capturable: 11500), Now));
        Assert.False(p.Apply(Intent("requires_action"), Now));
        Assert.False(p.Apply(Intent("requires_payment_method", error: "card_declined"), Now));
        Assert.Equal(PurchaseStatus.Succeeded, p.Status);
        Assert.Equal(11500, p.AmountCaptured);

        p.ApplyRefund(new RefundSnapshot("re_1", "succeeded", 500), Now);
        p.Apply(Intent("succeeded", received: 11500, refunded: 0), Now);
        Assert.Null(p.ApplyRefund(new RefundSnapshot("re_1", "pending", 500), Now));
        Assert.Equal(500, p.AmountRefunded);
        Assert.Equal(PurchaseStatus.PartiallyRefunded, p.Status);
    }

    [Fact]
    public void Only_succeeded_refunds_count_as_refunded_and_a_failed_one_can_be_refunded_again()
    {
        var p = NewPurchase();
        p.Apply(Intent("succeeded", received: 11500), Now);

        // Stripe's amount_refunded counts the pending refund already; we do not: the customer has not got it yet.
        p.ApplyRefund(new RefundSnapshot("re_1", "pending", 1000), Now);
        p.Apply(Intent("succeeded", received: 11500, refunded: 1000), Now);
        Assert.Equal((PurchaseStatus.Succeeded, 0L, 1000L, 10500L), (p.Status, p.AmountRefunded, p.AmountRefundPending, p.Refundable));

        p.ApplyRefund(new RefundSnapshot("re_2", "succeeded", 10500), Now);
        Assert.Equal((PurchaseStatus.PartiallyRefunded, 10500L, 0L), (p.Status, p.AmountRefunded, p.Refundable));

        // Failed after succeeding (a card refund the issuer returns): the money is back on the charge.
        p.ApplyRefund(new RefundSnapshot("re_1", "failed", 1000) { FailureReason = "expired_or_canceled_card" }, Now);
        p.ApplyRefund(new RefundSnapshot("re_2", "failed", 10500), Now);
        Assert.Null(p.ApplyRefund(new RefundSnapshot("re_2", "succeeded", 10500), Now));
        Assert.Equal((PurchaseStatus.Succeeded, 0L, 0L, 11500L, true), (p.Status, p.AmountRefunded, p.AmountRefundPending, p.Refundable, p.HasFailedRefund));
        Assert.True(p.Apply(Intent("succeeded", received: 11500, refunded: 0), Now));
        Assert.Equal(PurchaseStatus.Succeeded, p.Status);
    }

    [Fact]
    public void A_failure_and_a_new_challenge_may_follow_each_other_before_success()
    {
        var p = NewPurchase();
        Assert.True(p.Apply(Intent("requires_payment_method", error: "card_declined"), Now));
        Assert.Equal(PurchaseStatus.Failed, p.Status);
        Assert.True(p.Apply(Intent("requires_action"), Now));
        Assert.Equal(PurchaseStatus.RequiresAction, p.Status);
        Assert.True(p.Apply(Intent("succeeded", received: 11500), Now));
        Assert.Equal(PurchaseStatus.Succeeded, p.Status);
    }

    [Fact]
    public void A_purchase_cannot_adopt_another_payment_intent()
    {
        var p = NewPurchase();
        p.Apply(Intent("requires_capture", capturable: 11500), Now);
        var other = Intent("succeeded") with { Id = "pi_other" };
        Assert.Throws<InvalidOperationException>(() => p.Apply(other, Now));
    }

    [Fact]
    public void Only_paid_or_authorized_purchases_ship()
    {
        var p = NewPurchase();
        Assert.Throws<InvalidOperationException>(() => p.Ship("UPS", "1Z", Now));
        p.Apply(Intent("requires_capture", capturable: 11500), Now);
        p.Ship("UPS", "1Z", Now);
        Assert.Equal("1Z", p.Shipment!.TrackingNumber);
    }

    [Theory]
    [InlineData("expired_card", null, "use_another_card", CardConsequence.Expire)]
    [InlineData("card_declined", "lost_card", "use_another_card", CardConsequence.FailChecks)]
    [InlineData("card_declined", "stolen_card", "use_another_card", CardConsequence.FailChecks)]
    [InlineData("card_declined", "fraudulent", "use_another_card", CardConsequence.FailChecks)]
    [InlineData("incorrect_cvc", null, "update_card_details", CardConsequence.None)]
    [InlineData("card_declined", "insufficient_funds", "use_another_card", CardConsequence.None)]
    [InlineData("card_declined", "generic_decline", "contact_bank", CardConsequence.None)]
    [InlineData("card_declined", "card_velocity_exceeded", "contact_bank", CardConsequence.None)]
    [InlineData("card_declined", "do_not_honor", "contact_bank", CardConsequence.None)]
    [InlineData("processing_error", null, "retry_later", CardConsequence.None)]
    [InlineData("card_declined", "try_again_later", "retry_later", CardConsequence.None)]
    [InlineData("something_new", null, "use_another_card", CardConsequence.None)]
    public void Declines_become_a_next_action_and_a_card_consequence(string code, string? declineCode, string next, CardConsequence card)
    {
        var advice = DeclineAdvice.For(code, declineCode);
        Assert.Equal(next, DeclineAdvice.ToWire(advice.NextAction));
        Assert.Equal(card, advice.Card);
    }
}
