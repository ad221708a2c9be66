using System.Net;
using System.Text.Json;
using Stripe;
using Stripe.Checkout;
using Xunit;

namespace Payments.StandIns.Tests.StripeEmulator;

public sealed class CheckoutSessionTests : EmulatorTest
{
    [Fact]
    public async Task ASubscriptionSessionIsCreatedOpenAndUnpaid()
    {
        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions());

        Assert.Matches("^cs_test_[A-Za-z0-9]+$", session.Id);
        Assert.Equal(("checkout.session", "subscription", "open", "unpaid"), (session.Object, session.Mode, session.Status, session.PaymentStatus));
        Assert.Equal($"https://checkout.stripe.com/c/pay/{session.Id}", session.Url);
        Assert.Equal((3000L, 3000L, "usd"), (session.AmountSubtotal, session.AmountTotal, session.Currency));
        Assert.Equal(("buyer@example.com", "sale_1", "sale_1"), (session.CustomerEmail, session.ClientReferenceId, session.Metadata["sale_id"]));
        Assert.Null(session.CustomerId);
        Assert.Null(session.CustomerDetails);
        Assert.Null(session.SubscriptionId);
        Assert.Null(session.InvoiceId);
        Assert.Null(session.PaymentIntentId);
        Assert.Equal("https://shop.example/success?session_id={CHECKOUT_SESSION_ID}", session.SuccessUrl);
        Assert.Equal("https://shop.example/cancel", session.CancelUrl);
        Assert.False(session.Livemode);
        Assert.InRange(session.ExpiresAt - session.Created, TimeSpan.FromHours(24) - TimeSpan.FromSeconds(2), TimeSpan.FromHours(24) + TimeSpan.FromSeconds(2));
        // Line items are includable: only there when expanded.
        Assert.Null(session.LineItems);

        var expanded = await Stripe.V1.Checkout.Sessions.GetAsync(session.Id, new SessionGetOptions { Expand = ["line_items"] });
        var item = Assert.Single(expanded.LineItems.Data);
        Assert.Equal((2L, 3000L, "Seat"), (item.Quantity, item.AmountTotal, item.Description));
        Assert.Equal(("recurring", "month", 1500L), (item.Price.Type, item.Price.Recurring.Interval, item.Price.UnitAmount));
        Assert.False(item.Price.Active);

        // Creating a session emits nothing (Stripe has no checkout.session.created).
        Assert.Empty(await EventTypesAsync());
    }

    [Fact]
    public async Task APaymentSessionTakesPaymentIntentAndInvoiceData()
    {
        var options = CheckoutOptions(subscription: false, unitAmount: 2500, quantity: 3);
        options.PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = new() { ["sale_id"] = "sale_1" }, Description = "3 devices" };
        options.InvoiceCreation = new SessionInvoiceCreationOptions
        {
            Enabled = true,
            InvoiceData = new SessionInvoiceCreationInvoiceDataOptions { Metadata = new() { ["sale_id"] = "sale_1" } },
        };
        options.ShippingAddressCollection = new SessionShippingAddressCollectionOptions { AllowedCountries = ["US", "CA"] };
        options.ExpiresAt = DateTime.UtcNow.AddHours(1);

        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(options);

        Assert.Equal(("payment", 7500L), (session.Mode, session.AmountTotal));
        Assert.Equal("if_required", session.CustomerCreation);
        Assert.True(session.InvoiceCreation.Enabled);
        Assert.Equal("sale_1", session.InvoiceCreation.InvoiceData.Metadata["sale_id"]);
        Assert.Equal(["US", "CA"], session.ShippingAddressCollection.AllowedCountries);
        Assert.InRange(session.ExpiresAt, DateTime.UtcNow.AddMinutes(59), DateTime.UtcNow.AddMinutes(61));
    }

    [Fact]
    public async Task CreationIsValidatedLikeStripe()
    {
        async Task<StripeError> Refused(SessionCreateOptions options) =>
            (await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error", () => Stripe.V1.Checkout.Sessions.CreateAsync(options))).StripeError;

        var oneTimeInSubscription = CheckoutOptions();
        oneTimeInSubscription.LineItems[0].PriceData.Recurring = null;
        Assert.Contains("at least one recurring price", (await Refused(oneTimeInSubscription)).Message, StringComparison.Ordinal);

        var recurringInPayment = CheckoutOptions(subscription: false);
        recurringInPayment.LineItems[0].PriceData.Recurring = new SessionLineItemPriceDataRecurringOptions { Interval = "month" };
        Assert.Contains("passed a recurring price", (await Refused(recurringInPayment)).Message, StringComparison.Ordinal);

        var noSuccessUrl = CheckoutOptions();
        noSuccessUrl.SuccessUrl = null;
        Assert.Equal(("parameter_missing", "success_url"), ((await Refused(noSuccessUrl)).Code, (await Refused(noSuccessUrl)).Param));

        // Embedded sessions take a return_url instead, and no success_url.
        var embedded = CheckoutOptions();
        embedded.UiMode = "embedded_page";
        Assert.Equal("success_url", (await Refused(embedded)).Param);
        embedded.SuccessUrl = null;
        embedded.CancelUrl = null;
        embedded.ReturnUrl = "https://shop.example/return?session_id={CHECKOUT_SESSION_ID}";
        var embeddedSession = await Stripe.V1.Checkout.Sessions.CreateAsync(embedded);
        Assert.Null(embeddedSession.Url);
        Assert.StartsWith(embeddedSession.Id + "_secret_", embeddedSession.ClientSecret, StringComparison.Ordinal);

        var noMode = CheckoutOptions();
        noMode.Mode = null;
        Assert.Equal(("parameter_missing", "mode"), ((await Refused(noMode)).Code, (await Refused(noMode)).Param));

        var noItems = CheckoutOptions();
        noItems.LineItems = null;
        Assert.Equal("line_items", (await Refused(noItems)).Param);

        var noQuantity = CheckoutOptions();
        noQuantity.LineItems[0].Quantity = null;
        Assert.Equal("line_items[0][quantity]", (await Refused(noQuantity)).Param);

        var noName = CheckoutOptions();
        noName.LineItems[0].PriceData.ProductData = new SessionLineItemPriceDataProductDataOptions { Description = "nameless" };
        Assert.Equal("line_items[0][price_data][product_data][name]", (await Refused(noName)).Param);
        noName.LineItems[0].PriceData.ProductData = null;
        Assert.Equal("line_items[0][price_data][product_data]", (await Refused(noName)).Param);

        var badInterval = CheckoutOptions();
        badInterval.LineItems[0].PriceData.Recurring.Interval = "fortnight";
        Assert.Equal("line_items[0][price_data][recurring][interval]", (await Refused(badInterval)).Param);

        var tooSmall = CheckoutOptions(subscription: false, unitAmount: 10, quantity: 1);
        Assert.Equal("amount_too_small", (await Refused(tooSmall)).Code);

        var both = CheckoutOptions();
        both.Customer = (await NewCustomerAsync()).Id;
        Assert.Equal("parameters_exclusive", (await Refused(both)).Code);

        var intentDataInSubscription = CheckoutOptions();
        intentDataInSubscription.PaymentIntentData = new SessionPaymentIntentDataOptions { Description = "x" };
        Assert.Equal("payment_intent_data", (await Refused(intentDataInSubscription)).Param);

        var subscriptionDataInPayment = CheckoutOptions(subscription: false);
        subscriptionDataInPayment.SubscriptionData = new SessionSubscriptionDataOptions { Description = "x" };
        Assert.Equal("subscription_data", (await Refused(subscriptionDataInPayment)).Param);

        var tooLate = CheckoutOptions();
        tooLate.ExpiresAt = DateTime.UtcNow.AddHours(25);
        Assert.Equal("expires_at", (await Refused(tooLate)).Param);
        var tooSoon = CheckoutOptions();
        tooSoon.ExpiresAt = DateTime.UtcNow.AddMinutes(5);
        Assert.Equal("expires_at", (await Refused(tooSoon)).Param);

        var unknownCustomer = CheckoutOptions(email: null);
        unknownCustomer.Customer = "cus_nope";
        var missing = await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error", () => Stripe.V1.Checkout.Sessions.CreateAsync(unknownCustomer));
        Assert.Equal("resource_missing", missing.StripeError.Code);

        var unknownParam = CheckoutOptions();
        unknownParam.AddExtraParam("line_items[0][colour]", "red");
        Assert.Equal(("parameter_unknown", "line_items[0][colour]"), ((await Refused(unknownParam)).Code, (await Refused(unknownParam)).Param));
    }

    [Fact]
    public async Task CompletingASubscriptionSessionMakesStripesObjects()
    {
        var created = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions());

        var (status, body) = await CompleteCheckoutAsync(created.Id);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("complete", body.GetProperty("status").GetString());

        var session = await Stripe.V1.Checkout.Sessions.GetAsync(created.Id);
        Assert.Equal(("complete", "paid"), (session.Status, session.PaymentStatus));
        Assert.StartsWith("cus_", session.CustomerId, StringComparison.Ordinal);
        Assert.StartsWith("sub_", session.SubscriptionId, StringComparison.Ordinal);
        Assert.StartsWith("in_", session.InvoiceId, StringComparison.Ordinal);
        // As on Stripe, a subscription session's payment hangs off its invoice, not the session.
        Assert.Null(session.PaymentIntentId);
        Assert.Null(session.Url);
        Assert.Equal("buyer@example.com", session.CustomerDetails.Email);

        var customer = await Stripe.V1.Customers.GetAsync(session.CustomerId);
        Assert.Equal("buyer@example.com", customer.Email);

        var subscription = await Stripe.V1.Subscriptions.GetAsync(session.SubscriptionId);
        Assert.Equal(("active", session.CustomerId, false), (subscription.Status, subscription.CustomerId, subscription.CancelAtPeriodEnd));
        Assert.Equal("sale_1", subscription.Metadata["sale_id"]);
        Assert.Equal(session.InvoiceId, subscription.LatestInvoiceId);
        var item = Assert.Single(subscription.Items.Data);
        Assert.Equal((2L, "month", 1500L), (item.Quantity, item.Price.Recurring.Interval, item.Price.UnitAmount));
        Assert.InRange(item.CurrentPeriodStart, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(item.CurrentPeriodStart.AddMonths(1), item.CurrentPeriodEnd);
        var card = await Stripe.V1.PaymentMethods.GetAsync(subscription.DefaultPaymentMethodId);
        Assert.Equal((session.CustomerId, "4242"), (card.CustomerId, card.Card.Last4));

        var invoice = await Stripe.V1.Invoices.GetAsync(session.InvoiceId, new InvoiceGetOptions { Expand = ["payments"] });
        Assert.Equal(("paid", "subscription_create", session.CustomerId), (invoice.Status, invoice.BillingReason, invoice.CustomerId));
        Assert.Equal((3000L, 3000L, 0L, 3000L, "usd"), (invoice.AmountDue, invoice.AmountPaid, invoice.AmountRemaining, invoice.Total, invoice.Currency));
        Assert.Equal("subscription_details", invoice.Parent.Type);
        Assert.Equal(subscription.Id, invoice.Parent.SubscriptionDetails.SubscriptionId);
        Assert.Equal("sale_1", invoice.Parent.SubscriptionDetails.Metadata["sale_id"]);
        Assert.Empty(invoice.Metadata);
        Assert.Matches($"^{customer.InvoicePrefix}-0001$", invoice.Number);
        var line = Assert.Single(invoice.Lines.Data);
        Assert.Equal((3000L, 2L, item.Id), (line.Amount, line.Quantity, line.Parent.SubscriptionItemDetails.SubscriptionItem));
        Assert.Equal((item.CurrentPeriodStart, item.CurrentPeriodEnd), (line.Period.Start, line.Period.End));

        var payment = Assert.Single(invoice.Payments.Data);
        Assert.Equal(("paid", 3000L, "payment_intent"), (payment.Status, payment.AmountPaid, payment.Payment.Type));
        var intent = await Stripe.V1.PaymentIntents.GetAsync(payment.Payment.PaymentIntentId, new PaymentIntentGetOptions { Expand = ["latest_charge"] });
        Assert.Equal(("succeeded", 3000L, session.CustomerId), (intent.Status, intent.AmountReceived, intent.CustomerId));
        Assert.Equal(("succeeded", true), (intent.LatestCharge.Status, intent.LatestCharge.Paid));

        // Not expanded, payments is left out, as on Stripe.
        Assert.Null((await Stripe.V1.Invoices.GetAsync(invoice.Id)).Payments);

        // The customer Checkout made is found the way Payments looks for one.
        Assert.Equal(customer.Id, Assert.Single((await Stripe.V1.Customers.ListAsync(new CustomerListOptions { Email = "buyer@example.com" })).Data).Id);

        // A completed session cannot be completed again.
        Assert.Equal(HttpStatusCode.Conflict, (await CompleteCheckoutAsync(created.Id)).Status);
    }

    [Fact]
    public async Task ASubscriptionCheckoutEmitsStripesEventsInOrderWithSnapshots()
    {
        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions());
        await CompleteCheckoutAsync(session.Id);

        Assert.Equal(
            [
                "checkout.session.completed", "customer.created", "customer.subscription.created", "invoice.created",
                "invoice.finalized", "invoice.paid", "invoice.payment_succeeded", "payment_intent.created", "charge.succeeded",
                "payment_intent.succeeded", "customer.subscription.updated",
            ],
            await EventTypesAsync());

        var events = (await Stripe.V1.Events.ListAsync(new EventListOptions { Limit = 100 })).Data;
        T Object<T>(string type) => (T)events.Single(e => e.Type == type).Data.Object;

        var completed = Object<Session>("checkout.session.completed");
        Assert.Equal(("complete", "paid", "sale_1"), (completed.Status, completed.PaymentStatus, completed.ClientReferenceId));
        Assert.NotNull(completed.SubscriptionId);
        Assert.Equal("incomplete", Object<Subscription>("customer.subscription.created").Status);
        Assert.Equal("active", Object<Subscription>("customer.subscription.updated").Status);
        Assert.Equal("draft", Object<Invoice>("invoice.created").Status);
        Assert.Equal("open", Object<Invoice>("invoice.finalized").Status);
        Assert.Equal("paid", Object<Invoice>("invoice.paid").Status);
        Assert.Equal(completed.SubscriptionId, Object<Invoice>("invoice.payment_succeeded").Parent.SubscriptionDetails.SubscriptionId);
        Assert.Equal("succeeded", Object<PaymentIntent>("payment_intent.succeeded").Status);
        Assert.All(events, e => Assert.Null(e.Request.Id));

        var raw = (await GetJsonAsync("/v1/events?type=customer.subscription.updated")).GetProperty("data")[0];
        Assert.Equal("incomplete", raw.GetProperty("data").GetProperty("previous_attributes").GetProperty("status").GetString());
    }

    [Fact]
    public async Task CompletingAPaymentSessionChargesAndInvoicesWithTheSessionsData()
    {
        var options = CheckoutOptions(subscription: false, unitAmount: 2500, quantity: 3);
        options.PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = new() { ["sale_id"] = "sale_9" } };
        options.InvoiceCreation = new SessionInvoiceCreationOptions
        {
            Enabled = true,
            InvoiceData = new SessionInvoiceCreationInvoiceDataOptions { Metadata = new() { ["sale_id"] = "sale_9" } },
        };
        options.ShippingAddressCollection = new SessionShippingAddressCollectionOptions { AllowedCountries = ["US"] };
        var created = await Stripe.V1.Checkout.Sessions.CreateAsync(options);

        Assert.Equal(HttpStatusCode.OK, (await CompleteCheckoutAsync(created.Id)).Status);

        var session = await Stripe.V1.Checkout.Sessions.GetAsync(created.Id);
        Assert.Equal(("complete", "paid"), (session.Status, session.PaymentStatus));
        Assert.Null(session.SubscriptionId);
        Assert.Equal("US", session.CollectedInformation.ShippingDetails.Address.Country);
        var intent = await Stripe.V1.PaymentIntents.GetAsync(session.PaymentIntentId);
        Assert.Equal(("succeeded", 7500L, "sale_9", session.CustomerId), (intent.Status, intent.AmountReceived, intent.Metadata["sale_id"], intent.CustomerId));
        var invoice = await Stripe.V1.Invoices.GetAsync(session.InvoiceId);
        Assert.Equal(("paid", "manual", 7500L, "sale_9"), (invoice.Status, invoice.BillingReason, invoice.AmountPaid, invoice.Metadata["sale_id"]));
        Assert.Null(invoice.Parent);
        Assert.Equal(3L, Assert.Single(invoice.Lines.Data).Quantity);

        Assert.Equal(
            [
                "checkout.session.completed", "customer.created", "payment_intent.created", "charge.succeeded", "payment_intent.succeeded",
                "invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded",
            ],
            await EventTypesAsync());
    }

    [Fact]
    public async Task APaymentSessionWithoutAnInvoiceCreatesNoCustomerUnlessAskedTo()
    {
        // Stripe's default customer_creation in payment mode is if_required: a guest, with customer_details only.
        var guest = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions(subscription: false));
        await CompleteCheckoutAsync(guest.Id);
        var paid = await Stripe.V1.Checkout.Sessions.GetAsync(guest.Id);
        Assert.Null(paid.CustomerId);
        Assert.Equal("buyer@example.com", paid.CustomerDetails.Email);
        Assert.Null((await Stripe.V1.PaymentIntents.GetAsync(paid.PaymentIntentId)).CustomerId);
        Assert.Equal(["checkout.session.completed", "payment_intent.created", "charge.succeeded", "payment_intent.succeeded"], await EventTypesAsync());

        var always = CheckoutOptions(subscription: false);
        always.CustomerCreation = "always";
        var withCustomer = await Stripe.V1.Checkout.Sessions.CreateAsync(always);
        await CompleteCheckoutAsync(withCustomer.Id);
        var done = await Stripe.V1.Checkout.Sessions.GetAsync(withCustomer.Id);
        Assert.StartsWith("cus_", done.CustomerId, StringComparison.Ordinal);
        Assert.Equal(done.CustomerId, (await Stripe.V1.PaymentIntents.GetAsync(done.PaymentIntentId)).CustomerId);
    }

    [Fact]
    public async Task AnExistingCustomerIsUsedNotCreated()
    {
        var customer = await NewCustomerAsync("known@example.com");
        var options = CheckoutOptions(email: null);
        options.Customer = customer.Id;
        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(options);

        await CompleteCheckoutAsync(session.Id, "pm_card_mastercard");

        var done = await Stripe.V1.Checkout.Sessions.GetAsync(session.Id);
        Assert.Equal((customer.Id, "known@example.com"), (done.CustomerId, done.CustomerDetails.Email));
        Assert.Single(await EventTypesAsync(), "customer.created");
        var subscription = await Stripe.V1.Subscriptions.GetAsync(done.SubscriptionId);
        Assert.Equal("mastercard", (await Stripe.V1.PaymentMethods.GetAsync(subscription.DefaultPaymentMethodId)).Card.Brand);
    }

    [Fact]
    public async Task ADecliningCardLeavesTheSessionOpenAndChangesNothing()
    {
        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions());

        var (status, body) = await CompleteCheckoutAsync(session.Id, "pm_card_visa_chargeDeclinedInsufficientFunds");

        Assert.Equal(HttpStatusCode.PaymentRequired, status);
        var error = body.GetProperty("error");
        Assert.Equal(("card_error", "card_declined", "insufficient_funds"),
            (error.GetProperty("type").GetString(), error.GetProperty("code").GetString(), error.GetProperty("decline_code").GetString()));
        var still = await Stripe.V1.Checkout.Sessions.GetAsync(session.Id);
        Assert.Equal(("open", "unpaid"), (still.Status, still.PaymentStatus));
        Assert.Empty(await EventTypesAsync());
        Assert.Empty((await Stripe.V1.Customers.ListAsync()).Data);

        // The customer tries another card.
        Assert.Equal(HttpStatusCode.OK, (await CompleteCheckoutAsync(session.Id, "pm_card_visa")).Status);
        Assert.Equal("complete", (await Stripe.V1.Checkout.Sessions.GetAsync(session.Id)).Status);
    }

    [Fact]
    public async Task ACardThatAsksFor3DSecureIsAuthenticatedOnThePage()
    {
        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions(subscription: false));

        Assert.Equal(HttpStatusCode.OK, (await CompleteCheckoutAsync(session.Id, "pm_card_authenticationRequired")).Status);

        var intent = await Stripe.V1.PaymentIntents.GetAsync(
            (await Stripe.V1.Checkout.Sessions.GetAsync(session.Id)).PaymentIntentId, new PaymentIntentGetOptions { Expand = ["latest_charge"] });
        Assert.Equal("succeeded", intent.Status);
        Assert.Equal("authenticated", intent.LatestCharge.PaymentMethodDetails.Card.ThreeDSecure.Result);
    }

    [Fact]
    public async Task SessionsExpireOnRequest()
    {
        var open = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions());
        var expiring = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions());

        var expired = await Stripe.V1.Checkout.Sessions.ExpireAsync(expiring.Id);

        Assert.Equal("expired", expired.Status);
        Assert.Null(expired.Url);
        Assert.Equal(["checkout.session.expired"], await EventTypesAsync());
        Assert.Equal(HttpStatusCode.Conflict, (await CompleteCheckoutAsync(expiring.Id)).Status);
        var again = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error", () => Stripe.V1.Checkout.Sessions.ExpireAsync(expiring.Id));
        Assert.Contains("status", again.StripeError.Message, StringComparison.Ordinal);

        Assert.Equal(("open", "expired"), ((await Stripe.V1.Checkout.Sessions.GetAsync(open.Id)).Status, (await Stripe.V1.Checkout.Sessions.GetAsync(expiring.Id)).Status));

        var missing = await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error", () => Stripe.V1.Checkout.Sessions.GetAsync("cs_test_nope"));
        Assert.Equal("resource_missing", missing.StripeError.Code);
        Assert.Equal(HttpStatusCode.NotFound, (await CompleteCheckoutAsync("cs_test_nope")).Status);
    }

    [Fact]
    public async Task AOneTimePriceBesideARecurringOneIsBilledOnTheFirstInvoice()
    {
        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(new SessionCreateOptions
        {
            Mode = "subscription",
            SuccessUrl = "https://shop.example/ok",
            CustomerEmail = "gold@example.com",
            LineItems =
            [
                new() { Quantity = 1, PriceData = new() { Currency = "eur", UnitAmount = 900, ProductData = new() { Name = "Gold plan" }, Recurring = new() { Interval = "year" } } },
                new() { Quantity = 1, PriceData = new() { Currency = "eur", UnitAmount = 500, ProductData = new() { Name = "Setup fee" } } },
            ],
        });
        Assert.Equal((1400L, "eur"), (session.AmountTotal, session.Currency));

        await CompleteCheckoutAsync(session.Id);
        var subscription = await Stripe.V1.Subscriptions.GetAsync((await Stripe.V1.Checkout.Sessions.GetAsync(session.Id)).SubscriptionId);
        // Only the recurring price becomes a subscription item; the one-time one is billed on the first invoice.
        var item = Assert.Single(subscription.Items.Data);
        Assert.Equal(item.CurrentPeriodStart.AddYears(1), item.CurrentPeriodEnd);
        var invoice = await Stripe.V1.Invoices.GetAsync(subscription.LatestInvoiceId);
        Assert.Equal((1400L, 2), (invoice.AmountPaid, invoice.Lines.Data.Count));
        Assert.Equal(["subscription_item_details", "invoice_item_details"], invoice.Lines.Data.Select(l => l.Parent.Type));
    }

    [Fact]
    public async Task TheSessionsJsonHasStripesFields()
    {
        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions());
        var json = await GetJsonAsync($"/v1/checkout/sessions/{session.Id}");

        foreach (var field in (string[])["id", "object", "url", "status", "payment_status", "mode", "amount_subtotal", "amount_total", "currency",
                     "customer", "customer_email", "customer_details", "client_reference_id", "metadata", "subscription", "invoice",
                     "payment_intent", "success_url", "cancel_url", "created", "expires_at", "livemode"])
        {
            Assert.True(json.TryGetProperty(field, out _), field);
        }

        Assert.False(json.TryGetProperty("line_items", out _));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("customer").ValueKind);
        Assert.Equal(JsonValueKind.Number, json.GetProperty("expires_at").ValueKind);
    }

    [Fact]
    public async Task CreationIsIdempotentAndFaultsApply()
    {
        var keyed = new RequestOptions { IdempotencyKey = "checkout-sale_1" };
        var first = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions(), keyed);
        var again = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions(), keyed);
        Assert.Equal(first.Id, again.Id);

        var changed = CheckoutOptions(quantity: 3);
        var conflict = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "idempotency_error", () => Stripe.V1.Checkout.Sessions.CreateAsync(changed, keyed));
        Assert.Contains("same parameters", conflict.StripeError.Message, StringComparison.Ordinal);

        await ControlAsync("/_emulator/faults", new { method = "POST", pathPrefix = "/v1/checkout/sessions", status = 500, count = 1 });
        await ThrowsStripeAsync(HttpStatusCode.InternalServerError, "api_error", () => Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions()));
    }

    [Fact]
    public async Task The_control_list_shows_each_session_made_once_however_often_its_key_was_replayed()
    {
        var key = new RequestOptions { IdempotencyKey = "checkout:sale_1" };
        var first = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions(), key);
        var replay = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions(), key);
        var other = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions(subscription: false));

        var listed = await GetControlAsync("/_emulator/checkout_sessions");

        Assert.Equal(first.Id, replay.Id);
        Assert.Equal([first.Id, other.Id], listed.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.Equal("sale_1", listed.GetProperty("data")[0].GetProperty("metadata").GetProperty("sale_id").GetString());
    }

    private async Task<JsonElement> GetControlAsync(string path) =>
        JsonDocument.Parse(await Server.Control.GetStringAsync(path)).RootElement.Clone();
}
