using System.Net;
using Stripe;
using Xunit;

namespace Payments.StandIns.Tests.StripeEmulator;

public sealed class CustomerTests : EmulatorTest
{
    [Fact]
    public async Task CreateAndRetrieveRoundTrip()
    {
        var created = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions
        {
            Email = "ada@example.com",
            Name = "Ada",
            Description = "first",
            Metadata = new() { ["user_id"] = "u1", ["plan"] = "pro" },
        });

        Assert.StartsWith("cus_", created.Id, StringComparison.Ordinal);
        Assert.Equal("customer", created.Object);
        Assert.False(created.Livemode);
        Assert.InRange(created.Created, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        Assert.Equal("u1", created.Metadata["user_id"]);

        var fetched = await Stripe.V1.Customers.GetAsync(created.Id);
        Assert.Equal(("ada@example.com", "Ada", "first"), (fetched.Email, fetched.Name, fetched.Description));
    }

    [Fact]
    public async Task NewCustomerHasEmptyMetadataAndNoDefaultPaymentMethod()
    {
        var customer = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());

        Assert.NotNull(customer.Metadata);
        Assert.Empty(customer.Metadata);
        Assert.Null(customer.InvoiceSettings.DefaultPaymentMethodId);
        Assert.Null(customer.Email);
    }

    [Fact]
    public async Task ListFiltersByEmailNewestFirstAndPages()
    {
        var first = await NewCustomerAsync("same@example.com");
        await NewCustomerAsync("other@example.com");
        var second = await NewCustomerAsync("same@example.com");

        var matching = await Stripe.V1.Customers.ListAsync(new CustomerListOptions { Email = "same@example.com" });
        Assert.Equal([second.Id, first.Id], matching.Data.Select(c => c.Id));
        Assert.False(matching.HasMore);
        Assert.Equal("/v1/customers", matching.Url);

        var page = await Stripe.V1.Customers.ListAsync(new CustomerListOptions { Email = "same@example.com", Limit = 1 });
        Assert.Equal([second.Id], page.Data.Select(c => c.Id));
        Assert.True(page.HasMore);

        var next = await Stripe.V1.Customers.ListAsync(new CustomerListOptions { Email = "same@example.com", Limit = 1, StartingAfter = second.Id });
        Assert.Equal([first.Id], next.Data.Select(c => c.Id));

        Assert.Empty((await Stripe.V1.Customers.ListAsync(new CustomerListOptions { Email = "SAME@example.com" })).Data);
        Assert.Equal(3, (await Stripe.V1.Customers.ListAsync()).Data.Count);
    }

    [Fact]
    public async Task DeletingACustomerDetachesItsPaymentMethodsForGoodAndLaterUsesAreResourceMissing()
    {
        var customer = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "del@example.com" });
        var pm = await Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = customer.Id });

        var deleted = await Stripe.V1.Customers.DeleteAsync(customer.Id);

        Assert.Equal((customer.Id, true), (deleted.Id, deleted.Deleted));
        Assert.Null((await Stripe.V1.PaymentMethods.GetAsync(pm.Id)).CustomerId);
        var retrieve = await Assert.ThrowsAsync<StripeException>(() => Stripe.V1.Customers.GetAsync(customer.Id));
        Assert.Equal("resource_missing", retrieve.StripeError.Code);
        var pay = await Assert.ThrowsAsync<StripeException>(() => Stripe.V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = 1000, Currency = "usd", Customer = customer.Id, PaymentMethod = pm.Id, Confirm = true,
        }));
        Assert.Equal(("resource_missing", "customer"), (pay.StripeError.Code, pay.StripeError.Param));
        var attach = await Assert.ThrowsAsync<StripeException>(() =>
            Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = customer.Id }));
        Assert.Equal(("resource_missing", "customer"), (attach.StripeError.Code, attach.StripeError.Param));
    }

    [Fact]
    public async Task MissingCustomerIsResourceMissing()
    {
        var e = await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error",
            () => Stripe.V1.Customers.GetAsync("cus_doesnotexist"));

        Assert.Equal("resource_missing", e.StripeError.Code);
        Assert.Equal("id", e.StripeError.Param);
        Assert.Equal("No such customer: 'cus_doesnotexist'", e.StripeError.Message);
    }

    [Fact]
    public async Task UnknownParameterIsRejected()
    {
        var options = new CustomerCreateOptions();
        options.AddExtraParam("favourite_colour", "blue");

        var e = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.Customers.CreateAsync(options));

        Assert.Equal("parameter_unknown", e.StripeError.Code);
        Assert.Equal("favourite_colour", e.StripeError.Param);
        Assert.Empty((await Stripe.V1.Customers.ListAsync()).Data);
    }

    [Fact]
    public async Task DefaultPaymentMethodMustBeAttachedToTheCustomer()
    {
        var other = await NewCustomerAsync();
        var pm = await Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = other.Id });

        var e = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions
            {
                InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = pm.Id },
            }));
        Assert.Equal("invoice_settings[default_payment_method]", e.StripeError.Param);
    }

    [Fact]
    public async Task CreateWithPaymentMethodAttachesItOrCreatesNothing()
    {
        var customer = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions
        {
            PaymentMethod = "pm_card_mastercard",
            InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = "pm_card_mastercard" },
        });
        var card = Assert.Single((await Stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customer.Id })).Data);
        Assert.Equal(("4444", card.Id), (card.Card.Last4, customer.InvoiceSettings.DefaultPaymentMethodId));

        await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error",
            () => Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { PaymentMethod = "pm_card_visa_chargeDeclined" }));
        Assert.Single((await Stripe.V1.Customers.ListAsync()).Data);

        // Detaching the default card clears the default, as Stripe does.
        await Stripe.V1.PaymentMethods.DetachAsync(card.Id);
        Assert.Null((await Stripe.V1.Customers.GetAsync(customer.Id)).InvoiceSettings.DefaultPaymentMethodId);
    }
}
