using System.Net;
using Stripe;
using Xunit;
using Payments.Core.Stripe;

namespace Payments.StandIns.Tests.StripeEmulator;

public sealed class SetupIntentTests : EmulatorTest
{
    private static SetupIntentCreateOptions OffSession(string? customer, string? paymentMethod = null) => new()
    {
        Customer = customer,
        PaymentMethod = paymentMethod,
        Usage = "off_session",
        // Without this (or a return_url at confirm), Stripe refuses to confirm: dynamic payment methods may redirect.
        AutomaticPaymentMethods = new SetupIntentAutomaticPaymentMethodsOptions { Enabled = true, AllowRedirects = "never" },
        Metadata = new() { ["user_id"] = "u1" },
    };

    [Fact]
    public async Task CreateThenConfirmAttachesTheCardToTheCustomer()
    {
        var customer = await NewCustomerAsync();

        var intent = await Stripe.V1.SetupIntents.CreateAsync(OffSession(customer.Id));

        Assert.StartsWith("seti_", intent.Id, StringComparison.Ordinal);
        Assert.Equal("requires_payment_method", intent.Status);
        Assert.StartsWith(intent.Id + "_secret_", intent.ClientSecret, StringComparison.Ordinal);
        Assert.Equal(customer.Id, intent.CustomerId);
        Assert.Equal("off_session", intent.Usage);
        Assert.Equal("u1", intent.Metadata["user_id"]);
        Assert.Equal(["card"], intent.PaymentMethodTypes);
        Assert.True(intent.AutomaticPaymentMethods.Enabled);

        var confirmed = await Stripe.V1.SetupIntents.ConfirmAsync(intent.Id, new SetupIntentConfirmOptions { PaymentMethod = "pm_card_visa" });

        Assert.Equal("succeeded", confirmed.Status);
        Assert.StartsWith("pm_", confirmed.PaymentMethodId, StringComparison.Ordinal);
        Assert.NotEqual("pm_card_visa", confirmed.PaymentMethodId);
        Assert.Null(confirmed.LastSetupError);
        Assert.Null(confirmed.NextAction);
        Assert.Equal(customer.Id, (await Stripe.V1.PaymentMethods.GetAsync(confirmed.PaymentMethodId)).CustomerId);
        Assert.Equal("succeeded", (await Stripe.V1.SetupIntents.GetAsync(intent.Id)).Status);

        var again = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.SetupIntents.ConfirmAsync(intent.Id, new SetupIntentConfirmOptions()));
        Assert.Equal("setup_intent_unexpected_state", again.StripeError.Code);
    }

    [Fact]
    public async Task APaymentMethodAtCreateWaitsForConfirmationOrConfirmsAtOnce()
    {
        var customer = await NewCustomerAsync();

        var pending = await Stripe.V1.SetupIntents.CreateAsync(OffSession(customer.Id, "pm_card_mastercard"));
        Assert.Equal("requires_confirmation", pending.Status);
        Assert.Null((await Stripe.V1.PaymentMethods.GetAsync(pending.PaymentMethodId)).CustomerId);
        Assert.Equal("succeeded", (await Stripe.V1.SetupIntents.ConfirmAsync(pending.Id)).Status);

        var options = OffSession(customer.Id, "pm_card_amex");
        options.Confirm = true;
        var immediate = await Stripe.V1.SetupIntents.CreateAsync(options);
        Assert.Equal("succeeded", immediate.Status);

        Assert.Equal(2, (await Stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customer.Id })).Data.Count);
    }

    [Theory]
    [InlineData("pm_card_authenticationRequired")]
    [InlineData("pm_card_authenticationRequiredSetupForOffSession")]
    public async Task ThreeDSecureCardsRequireAction(string magicId)
    {
        var customer = await NewCustomerAsync();
        var intent = await Stripe.V1.SetupIntents.CreateAsync(OffSession(customer.Id));

        var confirmed = await Stripe.V1.SetupIntents.ConfirmAsync(intent.Id, new SetupIntentConfirmOptions { PaymentMethod = magicId });

        Assert.Equal("requires_action", confirmed.Status);
        Assert.Equal("use_stripe_sdk", confirmed.NextAction.Type);
        Assert.NotNull(confirmed.PaymentMethodId);
        Assert.Empty((await Stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customer.Id })).Data);
    }

    [Fact]
    public async Task ADecliningCardFailsTheConfirmAndIsRecordedOnTheIntent()
    {
        var customer = await NewCustomerAsync();
        var intent = await Stripe.V1.SetupIntents.CreateAsync(OffSession(customer.Id));

        var e = await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error",
            () => Stripe.V1.SetupIntents.ConfirmAsync(intent.Id, new SetupIntentConfirmOptions { PaymentMethod = "pm_card_visa_chargeDeclinedInsufficientFunds" }));

        Assert.Equal(("card_declined", "insufficient_funds"), (e.StripeError.Code, e.StripeError.DeclineCode));
        Assert.Equal(intent.Id, e.StripeError.SetupIntent.Id);
        Assert.Equal("requires_payment_method", e.StripeError.SetupIntent.Status);
        Assert.Equal("9995", e.StripeError.PaymentMethod.Card.Last4);

        var after = await Stripe.V1.SetupIntents.GetAsync(intent.Id);
        Assert.Equal("requires_payment_method", after.Status);
        Assert.Null(after.PaymentMethodId);
        Assert.Equal(("card_error", "insufficient_funds"), (after.LastSetupError.Type, after.LastSetupError.DeclineCode));
        Assert.Empty((await Stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customer.Id })).Data);

        // The intent can be retried with another card.
        Assert.Equal("succeeded", (await Stripe.V1.SetupIntents.ConfirmAsync(intent.Id, new SetupIntentConfirmOptions { PaymentMethod = "pm_card_visa" })).Status);
        Assert.Null((await Stripe.V1.SetupIntents.GetAsync(intent.Id)).LastSetupError);
    }

    [Fact]
    public async Task ConfirmingWithRedirectCapableDynamicPaymentMethodsNeedsAReturnUrl()
    {
        var intent = await Stripe.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions { PaymentMethod = "pm_card_visa" });
        Assert.Equal("always", intent.AutomaticPaymentMethods.AllowRedirects);

        await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.SetupIntents.ConfirmAsync(intent.Id));

        var confirmed = await Stripe.V1.SetupIntents.ConfirmAsync(intent.Id, new SetupIntentConfirmOptions { ReturnUrl = "https://example.com/done" });
        Assert.Equal("succeeded", confirmed.Status);
        Assert.Null(confirmed.CustomerId);
    }

    [Fact]
    public async Task AllowedPaymentMethodTypesReplaceTheRemovedPaymentMethodTypes()
    {
        var allowed = await Stripe.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions
        {
            AllowedPaymentMethodTypes = ["card"],
            PaymentMethod = "pm_card_visa",
            Confirm = true,
        });
        Assert.Equal("succeeded", allowed.Status);
        Assert.Equal(["card"], allowed.AllowedPaymentMethodTypes);
        Assert.Null(allowed.AutomaticPaymentMethods);

        var legacy = new SetupIntentCreateOptions();
        legacy.AddExtraParam("payment_method_types[0]", "card");
        var e = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.SetupIntents.CreateAsync(legacy));
        Assert.Equal("payment_method_types_no_longer_supported", e.StripeError.Code);
    }

    [Fact]
    public async Task ExpandReplacesIdsWithObjects()
    {
        var customer = await NewCustomerAsync("expand@example.com");
        var options = OffSession(customer.Id, "pm_card_visa");
        options.Confirm = true;
        var intent = await Stripe.V1.SetupIntents.CreateAsync(options);

        var expanded = await Stripe.V1.SetupIntents.GetAsync(intent.Id, new SetupIntentGetOptions { Expand = ["customer", "payment_method"] });

        Assert.Equal("expand@example.com", expanded.Customer.Email);
        Assert.Equal("4242", expanded.PaymentMethod.Card.Last4);
        Assert.Equal(customer.Id, expanded.PaymentMethod.CustomerId);
    }

    [Fact]
    public async Task UnknownIntentAndCustomerAreResourceMissing()
    {
        var intent = await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error",
            () => Stripe.V1.SetupIntents.GetAsync("seti_nope"));
        Assert.Equal("resource_missing", intent.StripeError.Code);

        var customer = await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error",
            () => Stripe.V1.SetupIntents.CreateAsync(OffSession("cus_nope")));
        Assert.Equal("customer", customer.StripeError.Param);
    }
}
