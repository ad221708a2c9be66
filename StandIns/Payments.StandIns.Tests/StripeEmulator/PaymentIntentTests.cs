using System.Net;
using System.Net.Http.Json;
using Stripe;
using Xunit;
using Payments.Core.Stripe;

namespace Payments.StandIns.Tests.StripeEmulator;

public sealed class PaymentIntentTests : EmulatorTest
{
    [Fact]
    public async Task CreateThenConfirmWithVisaSucceedsAndLeavesACapturedCharge()
    {
        var options = Payment(2000);
        options.Description = "order 42";
        options.ReceiptEmail = "buyer@example.com";
        options.Metadata = new() { ["order_id"] = "42" };
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(options);

        Assert.Matches("^pi_[A-Za-z0-9]{24}$", intent.Id);
        Assert.StartsWith(intent.Id + "_secret_", intent.ClientSecret, StringComparison.Ordinal);
        Assert.Equal("requires_payment_method", intent.Status);
        Assert.Equal((2000L, "usd", 0L, 0L), (intent.Amount, intent.Currency, intent.AmountCapturable, intent.AmountReceived));
        Assert.Equal(("automatic_async", "automatic"), (intent.CaptureMethod, intent.ConfirmationMethod));
        Assert.Equal(("order 42", "buyer@example.com", "42"), (intent.Description, intent.ReceiptEmail, intent.Metadata["order_id"]));
        Assert.Equal(["card"], intent.PaymentMethodTypes);
        Assert.Null(intent.LatestChargeId);
        Assert.False(intent.Livemode);

        var confirmed = await Stripe.V1.PaymentIntents.ConfirmAsync(intent.Id, new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" });

        Assert.Equal("succeeded", confirmed.Status);
        Assert.Equal((2000L, 0L), (confirmed.AmountReceived, confirmed.AmountCapturable));
        Assert.Matches("^pm_[A-Za-z0-9]{24}$", confirmed.PaymentMethodId);
        Assert.Matches("^ch_[A-Za-z0-9]{24}$", confirmed.LatestChargeId);
        Assert.Null(confirmed.LastPaymentError);
        Assert.Null(confirmed.NextAction);

        var expanded = await Stripe.V1.PaymentIntents.GetAsync(intent.Id, new PaymentIntentGetOptions { Expand = ["latest_charge", "payment_method"] });
        var charge = expanded.LatestCharge;
        Assert.Equal(confirmed.LatestChargeId, charge.Id);
        Assert.Equal(("succeeded", true, true, false), (charge.Status, charge.Paid, charge.Captured, charge.Refunded));
        Assert.Equal((2000L, 2000L, 0L), (charge.Amount, charge.AmountCaptured, charge.AmountRefunded));
        Assert.Equal((intent.Id, confirmed.PaymentMethodId), (charge.PaymentIntentId, charge.PaymentMethod));
        Assert.Equal(("authorized", "approved_by_network"), (charge.Outcome.Type, charge.Outcome.NetworkStatus));
        Assert.Equal("4242", charge.PaymentMethodDetails.Card.Last4);
        Assert.Equal("42", charge.Metadata["order_id"]);
        Assert.Null(charge.FailureCode);
        Assert.Equal("4242", expanded.PaymentMethod.Card.Last4);

        var again = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.ConfirmAsync(intent.Id, new PaymentIntentConfirmOptions()));
        Assert.Equal("payment_intent_unexpected_state", again.StripeError.Code);
        Assert.Equal("succeeded", again.StripeError.PaymentIntent.Status);
    }

    [Fact]
    public async Task ManualCaptureHoldsTheAmountAndAPartialCaptureReleasesTheRestWithoutARefund()
    {
        var options = Payment(2000, "pm_card_visa", confirm: true);
        options.CaptureMethod = "manual";
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(options);

        Assert.Equal("requires_capture", intent.Status);
        Assert.Equal((2000L, 0L), (intent.AmountCapturable, intent.AmountReceived));
        var authorized = await LatestChargeAsync(intent.Id);
        Assert.Equal(("succeeded", true, false, 0L), (authorized.Status, authorized.Paid, authorized.Captured, authorized.AmountCaptured));
        Assert.True(authorized.PaymentMethodDetails.Card.CaptureBefore > DateTime.UtcNow.AddDays(6));

        var tooMuch = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CaptureAsync(intent.Id, new PaymentIntentCaptureOptions { AmountToCapture = 2001 }));
        Assert.Equal(("amount_too_large", "amount_to_capture"), (tooMuch.StripeError.Code, tooMuch.StripeError.Param));

        var captured = await Stripe.V1.PaymentIntents.CaptureAsync(intent.Id, new PaymentIntentCaptureOptions { AmountToCapture = 1500 });

        Assert.Equal("succeeded", captured.Status);
        Assert.Equal((2000L, 1500L, 0L), (captured.Amount, captured.AmountReceived, captured.AmountCapturable));
        var charge = await LatestChargeAsync(intent.Id);
        // Since 2025-03-31.basil the released 500 is no Refund and not in amount_refunded.
        Assert.Equal((true, 1500L, 0L, false), (charge.Captured, charge.AmountCaptured, charge.AmountRefunded, charge.Refunded));
        Assert.Empty((await Stripe.V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = intent.Id })).Data);

        var second = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CaptureAsync(intent.Id, new PaymentIntentCaptureOptions { AmountToCapture = 500 }));
        Assert.Equal("payment_intent_unexpected_state", second.StripeError.Code);
        Assert.Equal(1500L, (await Stripe.V1.PaymentIntents.GetAsync(intent.Id)).AmountReceived);
    }

    [Fact]
    public async Task CaptureOnlyFromRequiresCapture()
    {
        var automatic = await Stripe.V1.PaymentIntents.CreateAsync(Payment(1000, "pm_card_visa", confirm: true));
        var e = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CaptureAsync(automatic.Id, new PaymentIntentCaptureOptions()));
        Assert.Equal("payment_intent_unexpected_state", e.StripeError.Code);

        var unconfirmed = await Stripe.V1.PaymentIntents.CreateAsync(Payment(1000));
        var e2 = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CaptureAsync(unconfirmed.Id, new PaymentIntentCaptureOptions()));
        Assert.Contains("requires_payment_method", e2.StripeError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelEndsTheIntentAndReleasesAnAuthorization()
    {
        var open = await Stripe.V1.PaymentIntents.CreateAsync(Payment(1000));
        var canceled = await Stripe.V1.PaymentIntents.CancelAsync(open.Id, new PaymentIntentCancelOptions { CancellationReason = "requested_by_customer" });

        Assert.Equal(("canceled", "requested_by_customer"), (canceled.Status, canceled.CancellationReason));
        Assert.NotNull(canceled.CanceledAt);
        var twice = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CancelAsync(open.Id));
        Assert.Equal("payment_intent_unexpected_state", twice.StripeError.Code);
        var confirm = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.ConfirmAsync(open.Id, new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" }));
        Assert.Equal("payment_intent_unexpected_state", confirm.StripeError.Code);

        var manual = Payment(1000, "pm_card_visa", confirm: true);
        manual.CaptureMethod = "manual";
        var held = await Stripe.V1.PaymentIntents.CreateAsync(manual);
        var released = await Stripe.V1.PaymentIntents.CancelAsync(held.Id);
        Assert.Equal(("canceled", 0L, 0L), (released.Status, released.AmountCapturable, released.AmountReceived));
        Assert.Null(released.CancellationReason);
        var charge = await LatestChargeAsync(held.Id);
        Assert.Equal((false, 0L, 0L, false), (charge.Captured, charge.AmountCaptured, charge.AmountRefunded, charge.Refunded));
        Assert.Empty((await Stripe.V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = held.Id })).Data);

        var succeeded = await Stripe.V1.PaymentIntents.CreateAsync(Payment(1000, "pm_card_visa", confirm: true));
        var late = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CancelAsync(succeeded.Id));
        Assert.Equal("payment_intent_unexpected_state", late.StripeError.Code);

        var badReason = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CancelAsync(open.Id, new PaymentIntentCancelOptions { CancellationReason = "bored" }));
        Assert.Equal("cancellation_reason", badReason.StripeError.Param);
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
    [InlineData("pm_card_chargeCustomerFail", "card_declined", "generic_decline")]
    public async Task DecliningCardsFailTheAttemptAndTheIntentCanBeRetried(string magicId, string code, string? declineCode)
    {
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(Payment(1500));

        var e = await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error",
            () => Stripe.V1.PaymentIntents.ConfirmAsync(intent.Id, new PaymentIntentConfirmOptions { PaymentMethod = magicId }));

        Assert.Equal((code, declineCode), (e.StripeError.Code, e.StripeError.DeclineCode));
        Assert.False(string.IsNullOrEmpty(e.StripeError.Message));
        Assert.StartsWith("ch_", e.StripeError.Charge, StringComparison.Ordinal);
        Assert.StartsWith("pm_", e.StripeError.PaymentMethod.Id, StringComparison.Ordinal);
        Assert.Equal(intent.Id, e.StripeError.PaymentIntent.Id);
        Assert.Equal("requires_payment_method", e.StripeError.PaymentIntent.Status);
        Assert.Equal(code, e.StripeError.PaymentIntent.LastPaymentError.Code);

        var after = await Stripe.V1.PaymentIntents.GetAsync(intent.Id);
        Assert.Equal("requires_payment_method", after.Status);
        Assert.Null(after.PaymentMethodId);
        Assert.Equal(0L, after.AmountReceived);
        Assert.Equal(("card_error", code, declineCode), (after.LastPaymentError.Type, after.LastPaymentError.Code, after.LastPaymentError.DeclineCode));
        Assert.Equal(e.StripeError.PaymentMethod.Id, after.LastPaymentError.PaymentMethod.Id);
        Assert.Equal(e.StripeError.Charge, after.LatestChargeId);

        var failed = await LatestChargeAsync(after.Id);
        Assert.Equal(("failed", false, false, code), (failed.Status, failed.Paid, failed.Captured, failed.FailureCode));
        Assert.Equal(("issuer_declined", "declined_by_network"), (failed.Outcome.Type, failed.Outcome.NetworkStatus));

        var retried = await Stripe.V1.PaymentIntents.ConfirmAsync(intent.Id, new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" });
        Assert.Equal("succeeded", retried.Status);
        Assert.Null(retried.LastPaymentError);
        Assert.NotEqual(failed.Id, retried.LatestChargeId);
        Assert.Equal(2, await ChargeAttemptsAsync());
    }

    [Fact]
    public async Task ADeclineAtCreateStillCreatesTheIntent()
    {
        var e = await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error",
            () => Stripe.V1.PaymentIntents.CreateAsync(Payment(1500, "pm_card_visa_chargeDeclinedInsufficientFunds", confirm: true)));

        var intent = await Stripe.V1.PaymentIntents.GetAsync(e.StripeError.PaymentIntent.Id);
        Assert.Equal("requires_payment_method", intent.Status);
        Assert.Equal("insufficient_funds", intent.LastPaymentError.DeclineCode);
    }

    [Fact]
    public async Task ChargeCustomerFailAttachesButEveryChargeDeclines()
    {
        var customer = await NewCustomerAsync();
        var pm = await Stripe.V1.PaymentMethods.AttachAsync("pm_card_chargeCustomerFail", new PaymentMethodAttachOptions { Customer = customer.Id });

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var options = Payment(1000, pm.Id, customer.Id, confirm: true);
            options.OffSession = true;
            var e = await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error",
                () => Stripe.V1.PaymentIntents.CreateAsync(options));
            Assert.Equal(("card_declined", "generic_decline"), (e.StripeError.Code, e.StripeError.DeclineCode));
        }

        Assert.Equal(customer.Id, (await Stripe.V1.PaymentMethods.GetAsync(pm.Id)).CustomerId);
    }

    [Fact]
    public async Task ASavedCardFlaggedThroughTheControlApiDeclinesCharges()
    {
        var customer = await NewCustomerAsync();
        var pm = await Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = customer.Id });
        PaymentIntentCreateOptions OffSession()
        {
            var options = Payment(1000, pm.Id, customer.Id, confirm: true);
            options.OffSession = true;
            return options;
        }

        Assert.Equal("succeeded", (await Stripe.V1.PaymentIntents.CreateAsync(OffSession())).Status);

        using (var flag = await Server.Control.PostAsJsonAsync($"/_emulator/payment_methods/{pm.Id}/decline",
                   new { code = "card_declined", declineCode = "insufficient_funds" }))
        {
            Assert.Equal(HttpStatusCode.OK, flag.StatusCode);
        }

        var e = await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error", () => Stripe.V1.PaymentIntents.CreateAsync(OffSession()));
        Assert.Equal(("card_declined", "insufficient_funds"), (e.StripeError.Code, e.StripeError.DeclineCode));
        Assert.Equal("Your card has insufficient funds.", e.StripeError.Message);

        using (var clear = await Server.Control.DeleteAsync($"/_emulator/payment_methods/{pm.Id}/decline"))
        {
            Assert.Equal(HttpStatusCode.OK, clear.StatusCode);
        }

        Assert.Equal("succeeded", (await Stripe.V1.PaymentIntents.CreateAsync(OffSession())).Status);
    }

    [Fact]
    public async Task ThreeDSecureRequiresActionUntilTheCustomerAuthenticates()
    {
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(Payment(3000, "pm_card_authenticationRequired", confirm: true));

        Assert.Equal("requires_action", intent.Status);
        Assert.Equal("use_stripe_sdk", intent.NextAction.Type);
        Assert.Equal("three_d_secure_redirect", intent.NextAction.UseStripeSdk["type"].ToString());
        Assert.NotNull(intent.PaymentMethodId);
        Assert.Null(intent.LatestChargeId);

        var body = await AuthenticateAsync(intent.Id);
        Assert.Equal("succeeded", body.GetProperty("status").GetString());

        var done = await Stripe.V1.PaymentIntents.GetAsync(intent.Id, new PaymentIntentGetOptions { Expand = ["latest_charge"] });
        Assert.Equal(("succeeded", 3000L), (done.Status, done.AmountReceived));
        Assert.Null(done.NextAction);
        Assert.Equal("authenticated", done.LatestCharge.PaymentMethodDetails.Card.ThreeDSecure.Result);

        // Not waiting for authentication any more.
        var (status, _) = await ControlAsync($"/_emulator/payment_intents/{intent.Id}/authenticate", new { outcome = "succeed" });
        Assert.Equal(HttpStatusCode.Conflict, status);
    }

    [Fact]
    public async Task FailedAuthenticationSendsTheIntentBackForAnotherCard()
    {
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(Payment(3000, "pm_card_authenticationRequired", confirm: true));

        await AuthenticateAsync(intent.Id, succeed: false);

        var failed = await Stripe.V1.PaymentIntents.GetAsync(intent.Id);
        Assert.Equal("requires_payment_method", failed.Status);
        Assert.Null(failed.PaymentMethodId);
        Assert.Equal(("invalid_request_error", "payment_intent_authentication_failure"), (failed.LastPaymentError.Type, failed.LastPaymentError.Code));
        Assert.Equal(intent.PaymentMethodId, failed.LastPaymentError.PaymentMethod.Id);
        Assert.Null(failed.LatestChargeId);

        // Authenticating again on the retry works.
        var retry = await Stripe.V1.PaymentIntents.ConfirmAsync(intent.Id, new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_authenticationRequired" });
        Assert.Equal("requires_action", retry.Status);
        await AuthenticateAsync(intent.Id);
        Assert.Equal("succeeded", (await Stripe.V1.PaymentIntents.GetAsync(intent.Id)).Status);

        var (badOutcome, _) = await ControlAsync($"/_emulator/payment_intents/{intent.Id}/authenticate", new { outcome = "maybe" });
        Assert.Equal(HttpStatusCode.BadRequest, badOutcome);
        var (missing, _) = await ControlAsync("/_emulator/payment_intents/pi_nope/authenticate", new { outcome = "succeed" });
        Assert.Equal(HttpStatusCode.NotFound, missing);
    }

    [Fact]
    public async Task AuthenticatingAManualCaptureIntentLeavesItToCapture()
    {
        var options = Payment(3000, "pm_card_authenticationRequired", confirm: true);
        options.CaptureMethod = "manual";
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(options);

        await AuthenticateAsync(intent.Id);

        var held = await Stripe.V1.PaymentIntents.GetAsync(intent.Id);
        Assert.Equal(("requires_capture", 3000L), (held.Status, held.AmountCapturable));
    }

    [Fact]
    public async Task ACardSetUpForOffSessionPaysOffSessionButAuthenticatesOnSession()
    {
        var customer = await NewCustomerAsync();
        var setup = await Stripe.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions
        {
            Customer = customer.Id,
            PaymentMethod = "pm_card_authenticationRequiredSetupForOffSession",
            Confirm = true,
            Usage = "off_session",
            AutomaticPaymentMethods = new SetupIntentAutomaticPaymentMethodsOptions { Enabled = true, AllowRedirects = "never" },
        });
        Assert.Equal("requires_action", setup.Status);
        await AuthenticateAsync(setup.Id);
        var saved = await Stripe.V1.SetupIntents.GetAsync(setup.Id);
        Assert.Equal("succeeded", saved.Status);
        Assert.Equal(customer.Id, (await Stripe.V1.PaymentMethods.GetAsync(saved.PaymentMethodId)).CustomerId);

        var offSession = Payment(1200, saved.PaymentMethodId, customer.Id, confirm: true);
        offSession.OffSession = true;
        Assert.Equal("succeeded", (await Stripe.V1.PaymentIntents.CreateAsync(offSession)).Status);

        var onSession = await Stripe.V1.PaymentIntents.CreateAsync(Payment(1200, saved.PaymentMethodId, customer.Id, confirm: true));
        Assert.Equal("requires_action", onSession.Status);
    }

    [Fact]
    public async Task ACardThatAlwaysWantsAuthenticationFailsOffSession()
    {
        var customer = await NewCustomerAsync();
        var pm = await Stripe.V1.PaymentMethods.AttachAsync("pm_card_authenticationRequired", new PaymentMethodAttachOptions { Customer = customer.Id });
        var options = Payment(1200, pm.Id, customer.Id, confirm: true);
        options.OffSession = true;

        var e = await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error", () => Stripe.V1.PaymentIntents.CreateAsync(options));

        Assert.Equal(("authentication_required", "authentication_required"), (e.StripeError.Code, e.StripeError.DeclineCode));
        Assert.Equal("requires_payment_method", e.StripeError.PaymentIntent.Status);
        Assert.Equal("authentication_required", (await LatestChargeAsync(e.StripeError.PaymentIntent.Id)).FailureCode);
    }

    [Fact]
    public async Task SetupFutureUsageSavesTheCardToTheCustomer()
    {
        var customer = await NewCustomerAsync();
        var options = Payment(1000, "pm_card_mastercard", customer.Id, confirm: true);
        options.SetupFutureUsage = "off_session";

        var intent = await Stripe.V1.PaymentIntents.CreateAsync(options);

        Assert.Equal(("succeeded", "off_session"), (intent.Status, intent.SetupFutureUsage));
        Assert.Equal(customer.Id, (await Stripe.V1.PaymentMethods.GetAsync(intent.PaymentMethodId)).CustomerId);
        var again = Payment(1000, intent.PaymentMethodId, customer.Id, confirm: true);
        again.OffSession = true;
        Assert.Equal("succeeded", (await Stripe.V1.PaymentIntents.CreateAsync(again)).Status);
    }

    [Fact]
    public async Task AnUnsavedCardIsUsedUpByItsPayment()
    {
        var first = await Stripe.V1.PaymentIntents.CreateAsync(Payment(1000, "pm_card_visa", confirm: true));

        var e = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CreateAsync(Payment(1000, first.PaymentMethodId, confirm: true)));
        Assert.Contains("may not be used again", e.StripeError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASavedCardPaysOnlyForItsOwnCustomer()
    {
        var owner = await NewCustomerAsync();
        var other = await NewCustomerAsync();
        var pm = await Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = owner.Id });

        var foreign = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CreateAsync(Payment(1000, pm.Id, other.Id, confirm: true)));
        Assert.Equal("payment_method", foreign.StripeError.Param);
        Assert.Contains(owner.Id, foreign.StripeError.Message, StringComparison.Ordinal);

        var noCustomer = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CreateAsync(Payment(1000, pm.Id, confirm: true)));
        Assert.Equal("payment_method", noCustomer.StripeError.Param);

        // A validation failure leaves no intent behind.
        Assert.Empty((await Stripe.V1.PaymentIntents.ListAsync()).Data);

        var open = await Stripe.V1.PaymentIntents.CreateAsync(Payment(1000, customer: other.Id));
        await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.ConfirmAsync(open.Id, new PaymentIntentConfirmOptions { PaymentMethod = pm.Id }));
        Assert.Equal("requires_payment_method", (await Stripe.V1.PaymentIntents.GetAsync(open.Id)).Status);
    }

    [Theory]
    [InlineData(49, "usd", "amount_too_small")]
    [InlineData(29, "gbp", "amount_too_small")]
    [InlineData(49, "jpy", "amount_too_small")]
    [InlineData(1499, "czk", "amount_too_small")]   // the larger minimums of Payments.Core's StripeMinimums agree
    [InlineData(999, "mxn", "amount_too_small")]
    [InlineData(249, "dkk", "amount_too_small")]
    [InlineData(100_000_000, "usd", "amount_too_large")]
    public async Task AmountsOutsideStripesLimitsAreRefused(long amount, string currency, string code)
    {
        var options = Payment(amount);
        options.Currency = currency;

        var e = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error", () => Stripe.V1.PaymentIntents.CreateAsync(options));

        Assert.Equal((code, "amount"), (e.StripeError.Code, e.StripeError.Param));
    }

    [Fact]
    public async Task AmountsAndCurrenciesWithinLimitsAreAccepted()
    {
        var yen = Payment(50);
        yen.Currency = "JPY";
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(yen);
        Assert.Equal((50L, "jpy"), (intent.Amount, intent.Currency));

        Assert.Equal(99_999_999L, (await Stripe.V1.PaymentIntents.CreateAsync(Payment(99_999_999))).Amount);
        Assert.Equal(50L, (await Stripe.V1.PaymentIntents.CreateAsync(Payment(50))).Amount);

        var small = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CreateAsync(Payment(49)));
        Assert.Equal("Amount must be at least $0.50 usd", small.StripeError.Message);

        var noCurrency = Payment(1000);
        noCurrency.Currency = null;
        var missing = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error", () => Stripe.V1.PaymentIntents.CreateAsync(noCurrency));
        Assert.Equal(("parameter_missing", "currency"), (missing.StripeError.Code, missing.StripeError.Param));

        var noAmount = new PaymentIntentCreateOptions { Currency = "usd" };
        var missingAmount = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error", () => Stripe.V1.PaymentIntents.CreateAsync(noAmount));
        Assert.Equal("amount", missingAmount.StripeError.Param);

        var fractional = Payment(1000);
        fractional.AddExtraParam("amount", "10.50");
        var notInteger = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error", () => Stripe.V1.PaymentIntents.CreateAsync(fractional));
        Assert.Equal("parameter_invalid_integer", notInteger.StripeError.Code);
    }

    [Fact]
    public async Task UnknownAndRemovedParametersAreRefused()
    {
        var unknown = Payment(1000);
        unknown.AddExtraParam("amount_in_dollars", "10");
        var e = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error", () => Stripe.V1.PaymentIntents.CreateAsync(unknown));
        Assert.Equal(("parameter_unknown", "amount_in_dollars"), (e.StripeError.Code, e.StripeError.Param));

        var legacy = new PaymentIntentCreateOptions { Amount = 1000, Currency = "usd" };
        legacy.AddExtraParam("payment_method_types[0]", "card");
        var removed = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error", () => Stripe.V1.PaymentIntents.CreateAsync(legacy));
        Assert.Equal("payment_method_types_no_longer_supported", removed.StripeError.Code);

        var offSessionWithoutConfirm = Payment(1000, "pm_card_visa");
        offSessionWithoutConfirm.OffSession = true;
        var offSession = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CreateAsync(offSessionWithoutConfirm));
        Assert.Equal("off_session", offSession.StripeError.Param);

        var noCard = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CreateAsync(Payment(1000, confirm: true)));
        Assert.Equal("payment_intent_unexpected_state", noCard.StripeError.Code);
        Assert.Null(noCard.StripeError.PaymentIntent);
        Assert.Empty((await Stripe.V1.PaymentIntents.ListAsync()).Data);
        Assert.Empty((await Stripe.V1.Events.ListAsync()).Data);
    }

    [Fact]
    public async Task ConfirmingWithRedirectCapableDynamicPaymentMethodsNeedsAReturnUrl()
    {
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions { Amount = 1000, Currency = "usd", PaymentMethod = "pm_card_visa" });
        Assert.Equal(("requires_confirmation", true, "always"), (intent.Status, intent.AutomaticPaymentMethods.Enabled, intent.AutomaticPaymentMethods.AllowRedirects));

        await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error", () => Stripe.V1.PaymentIntents.ConfirmAsync(intent.Id));
        Assert.Equal("requires_confirmation", (await Stripe.V1.PaymentIntents.GetAsync(intent.Id)).Status);

        var confirmed = await Stripe.V1.PaymentIntents.ConfirmAsync(intent.Id, new PaymentIntentConfirmOptions { ReturnUrl = "https://example.com/done" });
        Assert.Equal("succeeded", confirmed.Status);

        var allowed = await Stripe.V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = 1000, Currency = "usd", PaymentMethod = "pm_card_visa", Confirm = true, AllowedPaymentMethodTypes = ["card"],
        });
        Assert.Equal("succeeded", allowed.Status);
        Assert.Null(allowed.AutomaticPaymentMethods);
    }

    [Fact]
    public async Task ListFiltersByCustomerNewestFirst()
    {
        var customer = await NewCustomerAsync();
        var first = await Stripe.V1.PaymentIntents.CreateAsync(Payment(1000, customer: customer.Id));
        var second = await Stripe.V1.PaymentIntents.CreateAsync(Payment(2000, customer: customer.Id));
        await Stripe.V1.PaymentIntents.CreateAsync(Payment(3000));

        var mine = await Stripe.V1.PaymentIntents.ListAsync(new PaymentIntentListOptions { Customer = customer.Id });
        Assert.Equal([second.Id, first.Id], mine.Data.Select(i => i.Id));

        var page = await Stripe.V1.PaymentIntents.ListAsync(new PaymentIntentListOptions { Limit = 2 });
        Assert.Equal(2, page.Data.Count);
        Assert.True(page.HasMore);
        Assert.Equal("/v1/payment_intents", page.Url);
    }

    [Fact]
    public async Task IdempotentCreateWithTheSameKeyIsOneIntent()
    {
        var options = Payment(1000, "pm_card_visa", confirm: true);
        var key = new RequestOptions { IdempotencyKey = "order-42-payment" };

        var first = await Stripe.V1.PaymentIntents.CreateAsync(options, key);
        var second = await Stripe.V1.PaymentIntents.CreateAsync(options, key);

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.LatestChargeId, second.LatestChargeId);
        Assert.Single((await Stripe.V1.PaymentIntents.ListAsync()).Data);
        Assert.Equal(1, await ChargeAttemptsAsync());

        // A decline is saved too: the replay answers the same 402 without charging again.
        var declining = Payment(1000, "pm_card_visa_chargeDeclined", confirm: true);
        var a = await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error",
            () => Stripe.V1.PaymentIntents.CreateAsync(declining, new RequestOptions { IdempotencyKey = "order-43-payment" }));
        var b = await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error",
            () => Stripe.V1.PaymentIntents.CreateAsync(declining, new RequestOptions { IdempotencyKey = "order-43-payment" }));
        Assert.Equal(a.StripeError.PaymentIntent.Id, b.StripeError.PaymentIntent.Id);
        Assert.Equal(2, (await Stripe.V1.PaymentIntents.ListAsync()).Data.Count);
        Assert.Equal(2, await ChargeAttemptsAsync());
    }

    [Fact]
    public async Task AnExpiredAuthorizationCancelsTheIntent()
    {
        var options = Payment(4000, "pm_card_visa", confirm: true);
        options.CaptureMethod = "manual";
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(options);

        var (status, body) = await ControlAsync($"/_emulator/payment_intents/{intent.Id}/expire_authorization");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("canceled", body.GetProperty("status").GetString());
        var expired = await Stripe.V1.PaymentIntents.GetAsync(intent.Id);
        Assert.Equal(("canceled", "expired", 0L), (expired.Status, expired.CancellationReason, expired.AmountCapturable));
        var charge = await LatestChargeAsync(intent.Id);
        // Since 2025-03-31.basil a lapse is no Refund: the charge is simply never captured.
        Assert.Equal((false, false, 0L), (charge.Captured, charge.Refunded, charge.AmountRefunded));
        Assert.Empty((await Stripe.V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = intent.Id })).Data);

        await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CaptureAsync(intent.Id, new PaymentIntentCaptureOptions()));
        var (again, _) = await ControlAsync($"/_emulator/payment_intents/{intent.Id}/expire_authorization");
        Assert.Equal(HttpStatusCode.Conflict, again);
    }

    [Fact]
    public async Task UnknownIntentsAreResourceMissing()
    {
        var intent = await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error", () => Stripe.V1.PaymentIntents.GetAsync("pi_nope"));
        Assert.Equal("resource_missing", intent.StripeError.Code);
        var customer = await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CreateAsync(Payment(1000, customer: "cus_nope")));
        Assert.Equal("customer", customer.StripeError.Param);
    }
}
