using Payments.Core.Stripe;
using Stripe;
using Xunit;

namespace Payments.Tests.StripeContract;

/// <summary>
/// PaymentIntents as we make them (automatic and manual capture), partial capture, cancel, refunds,
/// declines and 3-D Secure, read the way Stripe counts money at 2026-10-28.endive.
/// </summary>
[Collection(StripeContractGroup.Name)]
public sealed class PaymentsContract(StripeContractFixture stripe)
{
    private StripeGateway Gateway => stripe.Gateway;

    private async Task<(string Customer, string PaymentMethod)> CustomerWithCardAsync(string card = "pm_card_visa")
    {
        var (user, customer) = await stripe.NewCustomerAsync();
        var attached = await Gateway.AttachPaymentMethodAsync(card, customer, IdempotencyKeys.Attach(user, "card_1", card), default);
        return (customer, attached.Id);
    }

    private async Task<PaymentIntentSnapshot> PayAsync(long amount, bool manual, string card = "pm_card_visa")
    {
        var (customer, pm) = await CustomerWithCardAsync(card);
        return await PayAsync(customer, pm, amount, manual);
    }

    private Task<PaymentIntentSnapshot> PayAsync(string customer, string pm, long amount, bool manual)
    {
        var purchase = $"pur_contract_{Guid.NewGuid():n}";
        return Gateway.CreatePaymentIntentAsync(
            new PaymentIntentRequest(amount, "usd", customer, pm, Confirm: true, manual, new Dictionary<string, string> { ["purchase_id"] = purchase }, null),
            IdempotencyKeys.PaymentIntent(purchase), default);
    }

    [Fact]
    public async Task An_automatic_payment_takes_everything_and_refunds_in_parts()
    {
        var paid = await PayAsync(19200, manual: false);
        Assert.Equal(("succeeded", 19200L, 19200L, 0L, 19200L), (paid.Status, paid.AmountAuthorized, paid.AmountReceived, paid.AmountRefunded, paid.Refundable));

        var part = await Gateway.CreateRefundAsync(paid.Id, 2000, "requested_by_customer", "r1", $"refund:{paid.Id}:r1", default);
        Assert.Equal((2000L, "succeeded"), (part.Amount, part.Status));
        var partly = await Gateway.GetPaymentIntentAsync(paid.Id, default);
        Assert.Equal((2000L, 17200L), (partly.AmountRefunded, partly.Refundable));
        Assert.Equal(part.Id, (await Gateway.FindRefundAsync(paid.Id, "r1", default))?.Id);

        var rest = await Gateway.CreateRefundAsync(paid.Id, 17200, null, "r2", $"refund:{paid.Id}:r2", default);
        Assert.Equal(17200L, rest.Amount);
        var after = await Gateway.GetPaymentIntentAsync(paid.Id, default);
        Assert.Equal((19200L, 0L), (after.AmountRefunded, after.Refundable));
        // What refund events and the reconciler re-read: every refund of the intent, with its status and our key.
        var listed = await Gateway.ListRefundsAsync(paid.Id, default);
        Assert.Equal([(part.Id, 2000L, "succeeded", "r1", paid.Id), (rest.Id, 17200L, "succeeded", "r2", paid.Id)],
            listed.OrderBy(r => r.Amount).Select(r => (r.Id, r.Amount, r.Status, r.RefundKey, r.PaymentIntentId)));

        var tooMuch = await Assert.ThrowsAsync<PaymentProviderException>(() => Gateway.CreateRefundAsync(paid.Id, 1, null, "r3", $"refund:{paid.Id}:r3", default));
        Assert.Equal(PaymentProviderFailure.InvalidRequest, tooMuch.Failure);
        Assert.Contains(tooMuch.Code, new[] { "charge_already_refunded", "amount_too_large" });
    }

    [Fact]
    public async Task A_partial_capture_releases_the_rest_without_a_refund()
    {
        var held = await PayAsync(19200, manual: true);
        Assert.Equal(("requires_capture", 19200L, 19200L, 0L), (held.Status, held.AmountAuthorized, held.AmountCapturable, held.AmountReceived));

        var captured = await Gateway.CapturePaymentIntentAsync(held.Id, 7700, $"capture:{held.Id}", default);

        Assert.Equal(("succeeded", 7700L, 0L, 11500L, 7700L), (captured.Status, captured.AmountReceived, captured.AmountRefunded, captured.AmountReleased, captured.Refundable));
        Assert.Empty((await stripe.Client.V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = held.Id })).Data);

        var again = await Assert.ThrowsAsync<PaymentProviderException>(() => Gateway.CapturePaymentIntentAsync(held.Id, 100, $"capture:{held.Id}:2", default));
        Assert.Equal(("payment_intent_unexpected_state", PaymentProviderFailure.InvalidRequest), (again.Code, again.Failure));

        await Gateway.CreateRefundAsync(held.Id, 2000, null, "r1", $"refund:{held.Id}:r1", default);
        await Gateway.CreateRefundAsync(held.Id, 5700, null, "r2", $"refund:{held.Id}:r2", default);
        var refunded = await Gateway.GetPaymentIntentAsync(held.Id, default);
        Assert.Equal((7700L, 0L), (refunded.AmountRefunded, refunded.Refundable));
        var over = await Assert.ThrowsAsync<PaymentProviderException>(() => Gateway.CreateRefundAsync(held.Id, 1, null, "r3", $"refund:{held.Id}:r3", default));
        Assert.Equal(PaymentProviderFailure.InvalidRequest, over.Failure);
    }

    [Fact]
    public async Task A_canceled_authorization_is_released_never_refunded()
    {
        var held = await PayAsync(5000, manual: true);

        var canceled = await Gateway.CancelPaymentIntentAsync(held.Id, $"cancel:{held.Id}", default);

        Assert.Equal(("canceled", 0L, 0L, 5000L), (canceled.Status, canceled.AmountReceived, canceled.AmountRefunded, canceled.AmountReleased));
        Assert.Empty((await stripe.Client.V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = held.Id })).Data);
        var refund = await Assert.ThrowsAsync<PaymentProviderException>(() => Gateway.CreateRefundAsync(held.Id, 100, null, "r", $"refund:{held.Id}:r", default));
        Assert.Equal(PaymentProviderFailure.InvalidRequest, refund.Failure);
    }

    [Fact]
    public async Task A_card_that_attaches_but_declines_every_charge_leaves_the_intent_behind()
    {
        var ex = await Assert.ThrowsAsync<PaymentProviderException>(() => PayAsync(2000, manual: false, "pm_card_chargeCustomerFail"));

        Assert.Equal((PaymentProviderFailure.Card, "card_declined"), (ex.Failure, ex.Code));
        Assert.NotNull(ex.PaymentIntentId);
        var intent = await Gateway.GetPaymentIntentAsync(ex.PaymentIntentId!, default);
        Assert.Equal(("requires_payment_method", "card_declined"), (intent.Status, intent.LastErrorCode));
    }

    [Fact]
    public async Task A_card_that_needs_3d_secure_waits_for_the_customer()
    {
        var pending = await PayAsync(2000, manual: false, "pm_card_authenticationRequired");

        Assert.Equal("requires_action", pending.Status);
        Assert.StartsWith(pending.Id + "_secret_", pending.ClientSecret, StringComparison.Ordinal);
        Assert.Equal(0L, pending.AmountReceived);
    }

    [Fact]
    public async Task An_intent_is_found_again_by_our_purchase_id()
    {
        var (customer, pm) = await CustomerWithCardAsync();
        var paid = await PayAsync(customer, pm, 1500, manual: false);

        var found = await Gateway.FindPaymentIntentAsync(customer, "purchase_id", paid.Metadata["purchase_id"], default);

        Assert.Equal(paid.Id, found?.Id);
        Assert.Null(await Gateway.FindPaymentIntentAsync(customer, "purchase_id", "pur_contract_none", default));
    }

    [Fact]
    public async Task Refusals_name_their_code_and_parameter()
    {
        var (customer, pm) = await CustomerWithCardAsync();

        var small = await Assert.ThrowsAsync<PaymentProviderException>(() => PayAsync(customer, pm, 10, manual: false));
        Assert.Equal((PaymentProviderFailure.InvalidRequest, "amount_too_small", "amount"), (small.Failure, small.Code, small.Param));

        var missing = await Assert.ThrowsAsync<PaymentProviderException>(() => Gateway.GetPaymentIntentAsync("pi_doesnotexist000000000", default));
        Assert.Equal((PaymentProviderFailure.NotFound, "resource_missing"), (missing.Failure, missing.Code));
    }
}
