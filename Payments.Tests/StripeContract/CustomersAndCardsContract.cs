using Payments.Core.Stripe;
using Xunit;

namespace Payments.Tests.StripeContract;

/// <summary>Customers, saving cards (attach, SetupIntents), removing them (detach), and idempotent replays.</summary>
[Collection(StripeContractGroup.Name)]
public sealed class CustomersAndCardsContract(StripeContractFixture stripe)
{
    private StripeGateway Gateway => stripe.Gateway;

    [Fact]
    public async Task A_customer_is_made_once_per_key_and_found_again_by_our_metadata()
    {
        var email = $"{Guid.NewGuid():n}@example.com";
        var (user, customer) = await stripe.NewCustomerAsync(email);

        Assert.StartsWith("cus_", customer, StringComparison.Ordinal);
        Assert.Equal(customer, await Gateway.CreateCustomerAsync(user, email, IdempotencyKeys.Customer(user), default));
        Assert.Equal(customer, await Gateway.FindCustomerAsync(user, email, default));
    }

    [Fact]
    public async Task A_card_attaches_detaches_and_detaching_again_is_fine()
    {
        var (user, customer) = await stripe.NewCustomerAsync();

        var attached = await Gateway.AttachPaymentMethodAsync("pm_card_visa", customer, IdempotencyKeys.Attach(user, "card_1", "pm_card_visa"), default);
        Assert.Equal((customer, "card", "visa", "4242"), (attached.CustomerId, attached.Type, attached.Card!.Brand, attached.Card.Last4));
        Assert.NotNull(attached.Card.Fingerprint);

        await Gateway.DetachPaymentMethodAsync(attached.Id, IdempotencyKeys.Detach(user, "card_1"), default);
        await Gateway.DetachPaymentMethodAsync(attached.Id, IdempotencyKeys.Detach(user, "card_1") + ":again", default);
        Assert.Null((await Gateway.FindPaymentMethodAsync(attached.Id, default))!.CustomerId);
    }

    [Fact]
    public async Task A_missing_payment_method_reads_as_null()
    {
        Assert.Null(await Gateway.FindPaymentMethodAsync("pm_doesnotexist000000000", default));
    }

    [Theory]
    [InlineData("pm_card_visa_chargeDeclined", "card_declined", "generic_decline")]
    [InlineData("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds")]
    [InlineData("pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card")]
    [InlineData("pm_card_visa_chargeDeclinedStolenCard", "card_declined", "stolen_card")]
    [InlineData("pm_card_chargeDeclinedExpiredCard", "expired_card", null)]
    [InlineData("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", null)]
    [InlineData("pm_card_chargeDeclinedProcessingError", "processing_error", null)]
    public async Task A_declining_test_card_cannot_be_attached(string paymentMethod, string code, string? declineCode)
    {
        var (user, customer) = await stripe.NewCustomerAsync();

        var ex = await Assert.ThrowsAsync<PaymentProviderException>(() =>
            Gateway.AttachPaymentMethodAsync(paymentMethod, customer, IdempotencyKeys.Attach(user, "card_x", paymentMethod), default));

        Assert.Equal((PaymentProviderFailure.Card, code), (ex.Failure, ex.Code));
        if (declineCode is not null)
            Assert.Equal(declineCode, ex.DeclineCode);
        Assert.NotNull(ex.RequestId);
    }

    [Fact]
    public async Task A_setup_intent_waits_for_the_client_to_confirm()
    {
        var (user, customer) = await stripe.NewCustomerAsync();

        var intent = await Gateway.CreateSetupIntentAsync(customer, user, IdempotencyKeys.SetupIntent(user, "r1"), default);

        Assert.StartsWith("seti_", intent.Id, StringComparison.Ordinal);
        Assert.StartsWith(intent.Id + "_secret_", intent.ClientSecret, StringComparison.Ordinal);
        Assert.Equal("requires_payment_method", intent.Status);
    }

    [Fact]
    public async Task A_key_reused_with_other_parameters_is_an_idempotency_failure_and_a_replay_is_marked()
    {
        var (user, _) = await stripe.NewCustomerAsync();
        var key = $"reuse:{user}";
        stripe.Track(await Gateway.CreateCustomerAsync(user, "a@example.com", key, default));

        var ex = await Assert.ThrowsAsync<PaymentProviderException>(() => Gateway.CreateCustomerAsync(user, "b@example.com", key, default));
        Assert.Equal(PaymentProviderFailure.Idempotency, ex.Failure);

        var options = new global::Stripe.RequestOptions { IdempotencyKey = $"contract-{stripe.RunId}:replay:{user}" };
        var first = await stripe.Client.V1.Customers.CreateAsync(new global::Stripe.CustomerCreateOptions(), options);
        stripe.Track(first.Id);
        var again = await stripe.Client.V1.Customers.CreateAsync(new global::Stripe.CustomerCreateOptions(), options);
        Assert.Equal(first.Id, again.Id);
        Assert.Equal("true", again.StripeResponse.Headers.GetValues("Idempotent-Replayed").Single());
    }
}
