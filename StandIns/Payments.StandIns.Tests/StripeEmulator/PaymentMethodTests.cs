using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Stripe;
using Xunit;

namespace Payments.StandIns.Tests.StripeEmulator;

public sealed partial class PaymentMethodTests : EmulatorTest
{
    [GeneratedRegex("^pm_[A-Za-z0-9]{24}$")]
    private static partial Regex PaymentMethodId();

    [Fact]
    public async Task MagicIdsMaterializeFreshPaymentMethodsWithAStableFingerprint()
    {
        var first = await Stripe.V1.PaymentMethods.GetAsync("pm_card_visa");
        var second = await Stripe.V1.PaymentMethods.GetAsync("pm_card_visa");

        Assert.Matches(PaymentMethodId(), first.Id);
        Assert.Matches(PaymentMethodId(), second.Id);
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(first.Card.Fingerprint, second.Card.Fingerprint);
        Assert.Matches("^[A-Za-z0-9]{16}$", first.Card.Fingerprint);

        Assert.Equal(("card", "visa", "4242", "credit", "US"), (first.Type, first.Card.Brand, first.Card.Last4, first.Card.Funding, first.Card.Country));
        Assert.True(first.Card.ExpYear > DateTime.UtcNow.Year);
        Assert.InRange(first.Card.ExpMonth, 1, 12);
        Assert.Null(first.CustomerId);
        Assert.Null(first.BillingDetails.Address.PostalCode);
        Assert.Empty(first.Metadata);

        // The materialized card is a real, retrievable object.
        Assert.Equal(first.Card.Fingerprint, (await Stripe.V1.PaymentMethods.GetAsync(first.Id)).Card.Fingerprint);
    }

    [Theory]
    [InlineData("pm_card_visa_debit", "visa", "5556", "debit")]
    [InlineData("pm_card_mastercard", "mastercard", "4444", "credit")]
    [InlineData("pm_card_amex", "amex", "8431", "credit")]
    [InlineData("pm_card_chargeCustomerFail", "visa", "0341", "credit")]
    [InlineData("pm_card_refundFail", "visa", "5126", "credit")]
    public async Task TestCardsHaveTheirDocumentedDetails(string magicId, string brand, string last4, string funding)
    {
        var pm = await Stripe.V1.PaymentMethods.GetAsync(magicId);

        Assert.Equal((brand, last4, funding), (pm.Card.Brand, pm.Card.Last4, pm.Card.Funding));
        Assert.NotEqual((await Stripe.V1.PaymentMethods.GetAsync("pm_card_visa")).Card.Fingerprint, pm.Card.Fingerprint);
    }

    [Fact]
    public async Task CheckFailureCardsReportTheirFailedChecks()
    {
        var cvc = await Stripe.V1.PaymentMethods.GetAsync("pm_card_cvcCheckFail");
        var zip = await Stripe.V1.PaymentMethods.GetAsync("pm_card_avsZipFail");

        Assert.Equal(("0101", "fail"), (cvc.Card.Last4, cvc.Card.Checks.CvcCheck));
        Assert.Equal(("0036", "fail"), (zip.Card.Last4, zip.Card.Checks.AddressPostalCodeCheck));
        Assert.Equal("pass", (await Stripe.V1.PaymentMethods.GetAsync("pm_card_visa")).Card.Checks.CvcCheck);
    }

    [Fact]
    public async Task UnknownPaymentMethodIsResourceMissing()
    {
        var e = await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error",
            () => Stripe.V1.PaymentMethods.GetAsync("pm_card_nosuchcard"));

        Assert.Equal("resource_missing", e.StripeError.Code);
        Assert.Equal("No such PaymentMethod: 'pm_card_nosuchcard'", e.StripeError.Message);
    }

    [Fact]
    public async Task AttachingVisaSetsTheCustomerAndListsItForTheCustomer()
    {
        var customer = await NewCustomerAsync();

        var attached = await Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = customer.Id });

        Assert.Matches(PaymentMethodId(), attached.Id);
        Assert.Equal(customer.Id, attached.CustomerId);
        Assert.Equal(customer.Id, (await Stripe.V1.PaymentMethods.GetAsync(attached.Id)).CustomerId);

        var viaFilter = await Stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customer.Id, Type = "card" });
        Assert.Equal(attached.Id, Assert.Single(viaFilter.Data).Id);

        // Attaching it again to the same customer is harmless.
        Assert.Equal(customer.Id, (await Stripe.V1.PaymentMethods.AttachAsync(attached.Id, new PaymentMethodAttachOptions { Customer = customer.Id })).CustomerId);
        Assert.Single((await Stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customer.Id })).Data);
    }

    [Theory]
    [InlineData("pm_card_visa_chargeDeclined", "card_declined", "generic_decline")]
    [InlineData("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds")]
    [InlineData("pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card")]
    [InlineData("pm_card_visa_chargeDeclinedStolenCard", "card_declined", "stolen_card")]
    [InlineData("pm_card_visa_chargeDeclinedFraudulent", "card_declined", "fraudulent")]
    [InlineData("pm_card_visa_chargeDeclinedVelocityLimitExceeded", "card_declined", "card_velocity_exceeded")]
    [InlineData("pm_card_chargeDeclinedExpiredCard", "expired_card", null)]
    [InlineData("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", null)]
    [InlineData("pm_card_chargeDeclinedProcessingError", "processing_error", null)]
    public async Task DecliningCardsCannotBeAttached(string magicId, string code, string? declineCode)
    {
        var customer = await NewCustomerAsync();

        var e = await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error",
            () => Stripe.V1.PaymentMethods.AttachAsync(magicId, new PaymentMethodAttachOptions { Customer = customer.Id }));

        Assert.Equal(code, e.StripeError.Code);
        Assert.Equal(declineCode, e.StripeError.DeclineCode);
        Assert.False(string.IsNullOrEmpty(e.StripeError.Message));
        Assert.Empty((await Stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customer.Id })).Data);
    }

    [Fact]
    public async Task AMaterializedDecliningCardStillDeclinesWhenAttachedByItsId()
    {
        var customer = await NewCustomerAsync();
        var pm = await Stripe.V1.PaymentMethods.GetAsync("pm_card_visa_chargeDeclinedInsufficientFunds");

        var e = await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error",
            () => Stripe.V1.PaymentMethods.AttachAsync(pm.Id, new PaymentMethodAttachOptions { Customer = customer.Id }));
        Assert.Equal("insufficient_funds", e.StripeError.DeclineCode);
        Assert.Null((await Stripe.V1.PaymentMethods.GetAsync(pm.Id)).CustomerId);
    }

    [Fact]
    public async Task ChargeCustomerFailAttaches()
    {
        var customer = await NewCustomerAsync();

        var pm = await Stripe.V1.PaymentMethods.AttachAsync("pm_card_chargeCustomerFail", new PaymentMethodAttachOptions { Customer = customer.Id });

        Assert.Equal(customer.Id, pm.CustomerId);
        Assert.Equal("0341", pm.Card.Last4);
    }

    [Fact]
    public async Task DetachUnsetsTheCustomerAndASecondDetachFails()
    {
        var customer = await NewCustomerAsync();
        var pm = await Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = customer.Id });

        var detached = await Stripe.V1.PaymentMethods.DetachAsync(pm.Id);

        Assert.Null(detached.CustomerId);
        Assert.Empty((await Stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customer.Id })).Data);
        var again = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentMethods.DetachAsync(pm.Id));
        Assert.Contains("not attached to a customer", again.StripeError.Message, StringComparison.Ordinal);

        // A detached PaymentMethod can never be used again.
        await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentMethods.AttachAsync(pm.Id, new PaymentMethodAttachOptions { Customer = customer.Id }));
    }

    [Fact]
    public async Task AttachingACardOfAnotherCustomerFails()
    {
        var owner = await NewCustomerAsync();
        var other = await NewCustomerAsync();
        var pm = await Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = owner.Id });

        var e = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentMethods.AttachAsync(pm.Id, new PaymentMethodAttachOptions { Customer = other.Id }));

        Assert.Contains("already been attached", e.StripeError.Message, StringComparison.Ordinal);
        Assert.Equal(owner.Id, (await Stripe.V1.PaymentMethods.GetAsync(pm.Id)).CustomerId);
    }

    [Fact]
    public async Task AttachNeedsAnExistingCustomer()
    {
        var missing = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions()));
        Assert.Equal(("parameter_missing", "customer"), (missing.StripeError.Code, missing.StripeError.Param));

        var unknown = await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error",
            () => Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = "cus_nobody" }));
        Assert.Equal(("resource_missing", "customer"), (unknown.StripeError.Code, unknown.StripeError.Param));
    }

    [Fact]
    public async Task DeclineControlMarksASavedCard()
    {
        var pm = await Stripe.V1.PaymentMethods.GetAsync("pm_card_visa");

        using var set = await Server.Control.PostAsJsonAsync($"/_emulator/payment_methods/{pm.Id}/decline",
            new { code = "card_declined", declineCode = "insufficient_funds" });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        using var cleared = await Server.Control.DeleteAsync($"/_emulator/payment_methods/{pm.Id}/decline");
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        using var unknown = await Server.Control.PostAsJsonAsync("/_emulator/payment_methods/pm_nope/decline", new { code = "card_declined" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
