using Payments.Core.Stripe;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Stripe;

/// <summary>The Stripe adapter through Stripe.net's real HTTP path to the emulator.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class StripeGatewayTests(PaymentsFixture fixture)
{
    private StripeGateway Gateway => new(fixture.Stripe.CreateClient());

    [Fact]
    public async Task A_retried_attach_with_our_key_attaches_once()
    {
        var user = PaymentsFixture.NewUserId();
        var customer = await Gateway.CreateCustomerAsync(user, null, IdempotencyKeys.Customer(user), default);
        var key = IdempotencyKeys.Attach(user, "card_retry", "pm_card_visa");

        var first = await Gateway.AttachPaymentMethodAsync("pm_card_visa", customer, key, default);
        var retry = await Gateway.AttachPaymentMethodAsync("pm_card_visa", customer, key, default);

        Assert.Equal(first.Id, retry.Id);
        Assert.Equal(customer, retry.CustomerId);
        var attached = await fixture.Stripe.CreateClient().V1.PaymentMethods.ListAsync(new global::Stripe.PaymentMethodListOptions { Customer = customer, Type = "card" });
        Assert.Single(attached.Data);
        var attaches = (await fixture.Stripe.RequestsAsync()).Where(r => r.GetProperty("idempotencyKey").GetString() == key).ToArray();
        Assert.Equal(2, attaches.Length);
        Assert.True(attaches[1].GetProperty("replayed").GetBoolean());
    }

    [Fact]
    public async Task Racing_customer_creations_with_one_key_yield_one_customer()
    {
        // Stripe answers a request whose key is still executing with 409 idempotency_key_in_use; Stripe.net retries it.
        var gateway = new StripeGateway(fixture.Stripe.CreateClient(maxNetworkRetries: 3));
        var user = PaymentsFixture.NewUserId();
        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            gateway.CreateCustomerAsync(user, null, IdempotencyKeys.Customer(user), default)));
        Assert.Single(ids.Distinct());
    }

    [Fact]
    public async Task A_decline_maps_to_a_card_failure_with_its_codes()
    {
        var user = PaymentsFixture.NewUserId();
        var customer = await Gateway.CreateCustomerAsync(user, null, IdempotencyKeys.Customer(user), default);

        var ex = await Assert.ThrowsAsync<PaymentProviderException>(() =>
            Gateway.AttachPaymentMethodAsync("pm_card_visa_chargeDeclinedInsufficientFunds", customer, $"attach:{user}:x", default));

        Assert.Equal(PaymentProviderFailure.Card, ex.Failure);
        Assert.Equal("card_declined", ex.Code);
        Assert.Equal("insufficient_funds", ex.DeclineCode);
    }

    [Fact]
    public async Task A_missing_payment_method_is_null_and_a_reused_key_with_other_parameters_is_an_idempotency_failure()
    {
        Assert.Null(await Gateway.FindPaymentMethodAsync("pm_missing_000", default));

        var user = PaymentsFixture.NewUserId();
        await Gateway.CreateCustomerAsync(user, "a@example.test", $"reuse:{user}", default);
        var ex = await Assert.ThrowsAsync<PaymentProviderException>(() =>
            Gateway.CreateCustomerAsync(user, "b@example.test", $"reuse:{user}", default));
        Assert.Equal(PaymentProviderFailure.Idempotency, ex.Failure);
    }

    [Fact]
    public async Task Detaching_twice_is_fine()
    {
        var user = PaymentsFixture.NewUserId();
        var customer = await Gateway.CreateCustomerAsync(user, null, IdempotencyKeys.Customer(user), default);
        var pm = await Gateway.AttachPaymentMethodAsync("pm_card_visa", customer, $"attach:{user}:d", default);

        await Gateway.DetachPaymentMethodAsync(pm.Id, $"detach:{user}:1", default);
        await Gateway.DetachPaymentMethodAsync(pm.Id, $"detach:{user}:2", default);

        Assert.Null((await Gateway.FindPaymentMethodAsync(pm.Id, default))!.CustomerId);
    }

    [Fact]
    public async Task A_wrong_api_key_is_an_authentication_failure()
    {
        var gateway = new StripeGateway(fixture.Stripe.CreateClient("sk_live_wrong"));
        var ex = await Assert.ThrowsAsync<PaymentProviderException>(() => gateway.CreateCustomerAsync("u", null, "k", default));
        Assert.Equal(PaymentProviderFailure.Authentication, ex.Failure);
    }
}
