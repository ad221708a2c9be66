using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Payments.Core.Paypal;
using Payments.Core.Purchases;
using Payments.Core.Storage;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Purchases.PaypalTestKit;
using static Payments.Tests.Purchases.PurchaseTestKit;

namespace Payments.Tests.Purchases;

/// <summary>
/// Purchases paid through PayPal, through each door, against the PayPal emulator over the product's typed client and
/// its signed webhooks: the order and its approval, completion, refunds, declines, a pending capture, capture later,
/// PayPal's honor period and the 29-day lapse. Amounts are PayPal's figures as read back.
/// </summary>
public abstract class PaypalPurchaseTests(DoorFixture fixture)
{
    private IPaymentsDoor Door => fixture.Door;
    private PaypalEmulatorServer Paypal => fixture.Paypal;

    [Fact]
    public async Task A_USD_purchase_is_approved_at_PayPal_completed_and_refunded_in_part_until_PayPal_refuses()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Door.ClientFor(user);
        using var admin = Door.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");

        var bought = await BuyWithPaypalAsync(client, GoldenCart);
        var (id, orderId) = (bought.Id(), bought.OrderId());
        Assert.Equal(("awaiting_payment", "paypal", 19200L, 0L), (bought.GetProperty("status").GetString(), bought.GetProperty("paymentMethod").GetString(),
            bought.GetProperty("total").GetInt64(), bought.GetProperty("amountCaptured").GetInt64()));
        Assert.Equal("PAYER_ACTION_REQUIRED", bought.GetProperty("paypal").GetProperty("status").GetString());
        var approveUrl = bought.GetProperty("paypal").GetProperty("approveUrl").GetString();
        Assert.Equal($"{Paypal.BaseUrl}checkoutnow?token={orderId}", approveUrl);

        // PayPal holds the amount as a two-decimal string, our ids in the purchase unit, intent CAPTURE (paid now).
        var order = await PaypalOrderAsync(Paypal, orderId);
        var unit = order.GetProperty("purchase_units")[0];
        Assert.Equal(("CAPTURE", "USD", "192.00", $"pur:{id}", id), (order.GetProperty("intent").GetString(), unit.GetProperty("amount").GetProperty("currency_code").GetString(),
            unit.GetProperty("amount").GetProperty("value").GetString(), unit.GetProperty("custom_id").GetString(), unit.GetProperty("invoice_id").GetString()));

        // Back too early (the payer left the approve page): sent to the approve link again, nothing charged.
        var early = await HttpAssert.ProblemAsync(await CompleteAsync(client, id), 409, "paypal_not_approved");
        Assert.Equal(approveUrl, early.GetProperty("approveUrl").GetString());

        await Paypal.ApproveAsync(orderId);
        var paid = await HttpAssert.JsonAsync(await CompleteAsync(client, id), HttpStatusCode.OK);
        Assert.Equal(("succeeded", 19200L, 19200L, 19200L), (paid.GetProperty("status").GetString(), paid.GetProperty("amountAuthorized").GetInt64(),
            paid.GetProperty("amountCaptured").GetInt64(), paid.GetProperty("amountRefundable").GetInt64()));
        Assert.Equal("COMPLETED", paid.GetProperty("paypal").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, paid.GetProperty("paypal").GetProperty("approveUrl").ValueKind);
        // Completing again (a double click, or after the webhook did) answers the purchase: PayPal captured once.
        Assert.Equal("succeeded", (await HttpAssert.JsonAsync(await CompleteAsync(client, id), HttpStatusCode.OK)).GetProperty("status").GetString());
        var captureId = (await PaypalOrderAsync(Paypal, orderId)).Payments().GetProperty("captures").EnumerateArray().Single().GetProperty("id").GetString()!;

        // Every POST to PayPal carried our request id, derived from our ids (the deployment's prefix, then the purchase or order).
        var posts = (await PaypalRequestsAsync(Paypal, orderId)).Where(r => r.GetProperty("method").GetString() == "POST").ToList();
        Assert.NotEmpty(posts);
        Assert.All(posts, r => Assert.StartsWith("testing-", r.GetProperty("paypalRequestId").GetString()));
        Assert.Contains(posts, r => r.GetProperty("paypalRequestId").GetString() == $"testing-order-{orderId}-capture" && r.GetProperty("status").GetInt32() is 200 or 201);

        var partial = await HttpAssert.JsonAsync(
            await PostKeyedAsync(admin, $"/api/purchases/{id}/refunds", new { amount = 2000, reason = "requested_by_customer" }, Guid.NewGuid().ToString()), HttpStatusCode.Created);
        Assert.Equal(("succeeded", 2000L), (partial.GetProperty("status").GetString(), partial.GetProperty("amount").GetInt64()));
        var afterPartial = partial.GetProperty("purchase");
        Assert.Equal(("partially_refunded", 2000L, 17200L), (afterPartial.GetProperty("status").GetString(),
            afterPartial.GetProperty("amountRefunded").GetInt64(), afterPartial.GetProperty("amountRefundable").GetInt64()));
        var atPaypal = (await PaypalOrderAsync(Paypal, orderId)).Payments();
        Assert.Equal("PARTIALLY_REFUNDED", atPaypal.GetProperty("captures")[0].GetProperty("status").GetString());
        Assert.Equal("20.00", atPaypal.GetProperty("refunds").EnumerateArray().Single().GetProperty("amount").GetProperty("value").GetString());

        // More than is left is refused here, before PayPal is asked to refund (the webhook's handler may still be reading the order).
        async Task<int> RefundPostsAsync() => (await PaypalRequestsAsync(Paypal, captureId)).Count(r => r.GetProperty("method").GetString() == "POST");
        var before = await RefundPostsAsync();
        await HttpAssert.ProblemAsync(await PostKeyedAsync(admin, $"/api/purchases/{id}/refunds", new { amount = 17201 }, Guid.NewGuid().ToString()),
            422, "refund_exceeds_captured", "amount");
        Assert.Equal((1, before), (before, await RefundPostsAsync()));

        // Half a year on, PayPal refuses to refund the capture: a stable 422, the refusal on record, and nothing changed.
        await Paypal.AdvanceClockAsync(TimeSpan.FromDays(181));
        var key = Guid.NewGuid().ToString();
        var refused = await HttpAssert.ProblemAsync(await PostKeyedAsync(admin, $"/api/purchases/{id}/refunds", new { amount = 1000 }, key), 422, "refund_refused", "amount");
        Assert.Equal("REFUND_TIME_LIMIT_EXCEEDED", refused.GetProperty("providerCode").GetString());
        var unchanged = await StoredAsync(Door, user, id);
        Assert.Equal((PurchaseStatus.PartiallyRefunded, 19200L, 2000L, 17200L, 0), (unchanged.Status, unchanged.AmountCaptured, unchanged.AmountRefunded,
            unchanged.Refundable, unchanged.RefundReservations.Count));
        Assert.Single(unchanged.Refunds);
        var rejected = await Door.Get<PaymentsStorage>().Table(TableNames.Refunds).GetEntityAsync<TableEntity>(id, $"rejected:{key}");
        Assert.Equal("REFUND_TIME_LIMIT_EXCEEDED", rejected.Value.GetString("ErrorCode"));
        var capture = (await PaypalOrderAsync(Paypal, orderId)).Payments().GetProperty("captures")[0];
        Assert.Equal((captureId, "PARTIALLY_REFUNDED"), (capture.GetProperty("id").GetString(), capture.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Declined_funding_sends_the_payer_back_and_a_pending_capture_is_money_only_once_PayPal_completes_it()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Door.ClientFor(user);
        using var admin = Door.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");

        // The payer's card behind their PayPal account declines: back to the approve link, the order still waits for them.
        var declined = await BuyWithPaypalAsync(client, GoldenCart);
        var approveUrl = declined.GetProperty("paypal").GetProperty("approveUrl").GetString();
        await Paypal.ApproveAsync(declined.OrderId(), "card_declined");
        var problem = await HttpAssert.ProblemAsync(await CompleteAsync(client, declined.Id()), 402, "paypal_instrument_declined");
        Assert.Equal((approveUrl, "INSTRUMENT_DECLINED", "approve_again", declined.Id()), (problem.GetProperty("approveUrl").GetString(),
            problem.GetProperty("providerCode").GetString(), problem.GetProperty("nextAction").GetString(), problem.GetProperty("purchaseId").GetString()));
        var waiting = await HttpAssert.JsonAsync(await client.GetAsync($"/api/me/purchases/{declined.Id()}"), HttpStatusCode.OK);
        Assert.Equal(("awaiting_payment", "INSTRUMENT_DECLINED", 0L, approveUrl), (waiting.GetProperty("status").GetString(),
            waiting.GetProperty("errorCode").GetString(), waiting.GetProperty("amountCaptured").GetInt64(), waiting.GetProperty("paypal").GetProperty("approveUrl").GetString()));

        // They choose their balance instead: the same order, captured under the same request id as the declined try.
        var paid = await ApproveAndCompleteAsync(fixture, client, declined);
        Assert.Equal(("succeeded", 19200L), (paid.GetProperty("status").GetString(), paid.GetProperty("amountCaptured").GetInt64()));
        Assert.Equal(JsonValueKind.Null, paid.GetProperty("errorCode").ValueKind);
        var captures = (await PaypalRequestsAsync(Paypal, declined.OrderId())).Where(r => r.GetProperty("path").GetString()!.EndsWith("/capture", StringComparison.Ordinal)).ToList();
        Assert.Contains(captures, r => r.GetProperty("issue").GetString() == "INSTRUMENT_DECLINED");
        Assert.Single(captures.Select(r => r.GetProperty("paypalRequestId").GetString()).Distinct());

        // PayPal reviews the payment: the capture is PENDING, which is not money yet, and not refundable.
        var reviewed = await BuyWithPaypalAsync(client, GoldenCart);
        var pending = await ApproveAndCompleteAsync(fixture, client, reviewed, "pending_review");
        Assert.Equal(("pending", 0L, 0L), (pending.GetProperty("status").GetString(), pending.GetProperty("amountCaptured").GetInt64(), pending.GetProperty("amountRefundable").GetInt64()));
        await HttpAssert.ProblemAsync(await PostKeyedAsync(admin, $"/api/purchases/{reviewed.Id()}/refunds", null, Guid.NewGuid().ToString()), 409, "invalid_state");
        var reviewedCapture = (await PaypalOrderAsync(Paypal, reviewed.OrderId())).Payments().GetProperty("captures")[0];
        Assert.Equal(("PENDING", "PENDING_REVIEW"), (reviewedCapture.GetProperty("status").GetString(), reviewedCapture.GetProperty("status_details").GetProperty("reason").GetString()));
        // PayPal completes it: PAYMENT.CAPTURE.COMPLETED, and the purchase is paid.
        await Paypal.CompleteCaptureAsync(reviewedCapture.GetProperty("id").GetString()!);
        var completed = await EventuallyStatusAsync(Door, user, reviewed.Id(), PurchaseStatus.Succeeded);
        Assert.Equal((19200L, 19200L, 0L), (completed.AmountCaptured, completed.Refundable, completed.AmountRefunded));

        // An eCheck that PayPal denies: PAYMENT.CAPTURE.DENIED, and nothing was ever money.
        var echeck = await BuyWithPaypalAsync(client, GoldenCart);
        Assert.Equal("pending", (await ApproveAndCompleteAsync(fixture, client, echeck, "echeck")).GetProperty("status").GetString());
        await Paypal.DenyCaptureAsync((await PaypalOrderAsync(Paypal, echeck.OrderId())).Payments().GetProperty("captures")[0].GetProperty("id").GetString()!);
        var failed = await EventuallyStatusAsync(Door, user, echeck.Id(), PurchaseStatus.Failed);
        Assert.Equal((0L, 0L, "CAPTURE_DECLINED"), (failed.AmountCaptured, failed.Refundable, failed.Outcome?.ErrorCode));
    }

    [Fact]
    public async Task Capture_later_authorizes_captures_once_in_part_is_refused_after_the_honor_period_and_lapses_at_29_days()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Door.ClientFor(user);
        using var admin = Door.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");

        // Capture later is PayPal's intent AUTHORIZE: the payer's approval becomes an authorization, nothing is taken yet.
        var partly = await BuyWithPaypalAsync(client, GoldenCart, "manual");
        Assert.Equal("AUTHORIZE", (await PaypalOrderAsync(Paypal, partly.OrderId())).GetProperty("intent").GetString());
        var held = await ApproveAndCompleteAsync(fixture, client, partly);
        Assert.Equal(("authorized", 19200L, 0L), (held.GetProperty("status").GetString(), held.GetProperty("amountAuthorized").GetInt64(), held.GetProperty("amountCaptured").GetInt64()));
        var captured = await HttpAssert.JsonAsync(await admin.PostJsonAsync($"/api/purchases/{partly.Id()}/capture", new { amount = 7700 }), HttpStatusCode.OK);
        Assert.Equal(("succeeded", 7700L, 11500L, 7700L), (captured.GetProperty("status").GetString(), captured.GetProperty("amountCaptured").GetInt64(),
            captured.GetProperty("amountReleased").GetInt64(), captured.GetProperty("amountRefundable").GetInt64()));
        await HttpAssert.ProblemAsync(await admin.PostJsonAsync($"/api/purchases/{partly.Id()}/capture", new { amount = 100 }), 409, "already_captured");
        var authorization = (await PaypalOrderAsync(Paypal, partly.OrderId())).Payments().GetProperty("authorizations")[0];
        Assert.Equal("PARTIALLY_CAPTURED", authorization.GetProperty("status").GetString());

        // Voided by staff: all of it released, nothing refunded.
        var voided = await BuyWithPaypalAsync(client, GoldenCart, "manual");
        await ApproveAndCompleteAsync(fixture, client, voided);
        var canceled = await HttpAssert.JsonAsync(await admin.PostAsync($"/api/purchases/{voided.Id()}/cancel", null), HttpStatusCode.OK);
        Assert.Equal(("canceled", 19200L, 0L), (canceled.GetProperty("status").GetString(), canceled.GetProperty("amountReleased").GetInt64(), canceled.GetProperty("amountRefunded").GetInt64()));

        // Funds guaranteed only during the 3-day honor period: a capture on day 4 is refused, and that is the decline path.
        var honorOnly = await BuyWithPaypalAsync(client, GoldenCart, "manual");
        await ApproveAndCompleteAsync(fixture, client, honorOnly, "honor_only");
        var lapsing = await BuyWithPaypalAsync(client, GoldenCart, "manual");
        await ApproveAndCompleteAsync(fixture, client, lapsing);
        await Paypal.AdvanceClockAsync(TimeSpan.FromDays(4));
        var refused = await HttpAssert.ProblemAsync(await admin.PostAsync($"/api/purchases/{honorOnly.Id()}/capture", null), 402, "paypal_capture_declined");
        Assert.Equal(("PAYER_CANNOT_PAY", "retry_later_or_cancel"), (refused.GetProperty("providerCode").GetString(), refused.GetProperty("nextAction").GetString()));
        var stillHeld = await StoredAsync(Door, user, honorOnly.Id());
        Assert.Equal((PurchaseStatus.Authorized, 19200L, 0L, "PAYER_CANNOT_PAY"), (stillHeld.Status, stillHeld.AmountAuthorized, stillHeld.AmountCaptured, stillHeld.Outcome?.ErrorCode));

        // Day 30: PayPal voids what was never captured (PAYMENT.AUTHORIZATION.VOIDED); the purchases end expired, released, unrefunded.
        await Paypal.AdvanceClockAsync(TimeSpan.FromDays(26));
        foreach (var lapsed in new[] { honorOnly, lapsing })
        {
            var expired = await EventuallyStatusAsync(Door, user, lapsed.Id(), PurchaseStatus.Expired);
            Assert.Equal((19200L, 0L, 19200L, 0L), (expired.AmountAuthorized, expired.AmountCaptured, expired.AmountReleased, expired.AmountRefunded));
        }
        await HttpAssert.ProblemAsync(await admin.PostAsync($"/api/purchases/{lapsing.Id()}/capture", null), 409, "invalid_state");
        // What was captured before stays captured.
        Assert.Equal((PurchaseStatus.Succeeded, 7700L), ((await StoredAsync(Door, user, partly.Id())).Status, (await StoredAsync(Door, user, partly.Id())).AmountCaptured));
    }

    [Fact]
    public async Task A_PayPal_purchase_is_priced_as_a_card_one_a_price_the_user_did_not_see_is_refused_before_any_order()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Door.ClientFor(user);
        async Task<int> OrdersCreatedAsync() =>
            (await Paypal.RequestsAsync()).Count(r => r.GetProperty("path").GetString() == "/v2/checkout/orders" && r.GetProperty("method").GetString() == "POST");
        var before = await OrdersCreatedAsync();

        var problem = await HttpAssert.ProblemAsync(await BuyAsync(client, new
        {
            items = new object[] { new { productId = "livestream", quantity = 1, unitAmount = 1500 }, new { productId = "poster", quantity = 1, unitAmount = 10000 } },
            paymentMethod = "paypal",
        }), 409, "price_changed", "items");

        Assert.Equal((13700L, 2000L), (problem.GetProperty("quote").GetProperty("total").GetInt64(), problem.GetProperty("quote").GetProperty("lines")[0].GetProperty("unitAmount").GetInt64()));
        Assert.Empty((await Door.Get<PurchaseStore>().ListForUserAsync(user, 100, null, default)).Items);
        Assert.Equal(before, await OrdersCreatedAsync());
        // The prices the user saw are taken.
        var bought = await HttpAssert.JsonAsync(await BuyAsync(client, new
        {
            items = new object[] { new { productId = "livestream", quantity = 1, unitAmount = 2000 }, new { productId = "poster", quantity = 1, unitAmount = 10000 } },
            paymentMethod = "paypal",
        }), HttpStatusCode.Created);
        Assert.Equal(("awaiting_payment", 13700L), (bought.GetProperty("status").GetString(), bought.GetProperty("total").GetInt64()));
        Assert.True(await OrdersCreatedAsync() > before, "the order of the purchase taken");
    }

    [Fact]
    public async Task Capture_later_whose_capture_PayPal_leaves_pending_then_denies_fails_with_nothing_taken_and_all_of_it_released()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Door.ClientFor(user);
        using var admin = Door.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        var bought = await BuyWithPaypalAsync(client, GoldenCart, "manual");
        await ApproveAndCompleteAsync(fixture, client, bought, "pending_review");

        // Staff capture: PayPal reviews it (PENDING), which is not money; the final capture has closed the authorization.
        var capturing = await HttpAssert.JsonAsync(await admin.PostAsync($"/api/purchases/{bought.Id()}/capture", null), HttpStatusCode.OK);
        Assert.Equal(("authorized", 19200L, 0L, 0L), (capturing.GetProperty("status").GetString(), capturing.GetProperty("amountAuthorized").GetInt64(),
            capturing.GetProperty("amountCaptured").GetInt64(), capturing.GetProperty("amountReleased").GetInt64()));
        var beforeDenial = await Door.Get<PaypalClient>().GetOrderAsync(bought.OrderId(), default);

        // PayPal denies it (PAYMENT.CAPTURE.DENIED): nothing was taken and nothing is held, every cent released.
        var captureId = (await PaypalOrderAsync(Paypal, bought.OrderId())).Payments().GetProperty("captures")[0].GetProperty("id").GetString()!;
        await Paypal.DenyCaptureAsync(captureId);
        var failed = await EventuallyStatusAsync(Door, user, bought.Id(), PurchaseStatus.Failed);
        Assert.Equal((19200L, 0L, 19200L, 0L, 0L, "CAPTURE_DECLINED"), (failed.AmountAuthorized, failed.AmountCaptured, failed.AmountReleased,
            failed.AmountRefunded, failed.Refundable, failed.Outcome?.ErrorCode));
        Assert.Equal((captureId, "DECLINED"), (failed.Paypal!.CaptureId, failed.Paypal.CaptureStatus));
        var authorization = (await PaypalOrderAsync(Paypal, bought.OrderId())).Payments().GetProperty("authorizations")[0];
        Assert.Equal("CAPTURED", authorization.GetProperty("status").GetString()); // PayPal's: the final capture used it up

        // A read from before the denial, applied late, does not bring the authorization back.
        await Door.Get<PaypalPurchases>().ApplyAsync(user, bought.Id(), beforeDenial, default);
        Assert.Equal(PurchaseStatus.Failed, (await StoredAsync(Door, user, bought.Id())).Status);
        // Nothing left to capture, void or refund.
        await HttpAssert.ProblemAsync(await admin.PostAsync($"/api/purchases/{bought.Id()}/capture", null), 409, "invalid_state");
        await HttpAssert.ProblemAsync(await admin.PostAsync($"/api/purchases/{bought.Id()}/cancel", null), 409, "invalid_state");
        await HttpAssert.ProblemAsync(await PostKeyedAsync(admin, $"/api/purchases/{bought.Id()}/refunds", null, Guid.NewGuid().ToString()), 409, "invalid_state");
        var answered = await HttpAssert.JsonAsync(await client.GetAsync($"/api/me/purchases/{bought.Id()}"), HttpStatusCode.OK);
        Assert.Equal(("failed", 19200L, "CAPTURE_DECLINED"), (answered.GetProperty("status").GetString(), answered.GetProperty("amountReleased").GetInt64(),
            answered.GetProperty("errorCode").GetString()));
    }
}

[Collection(StoreTestGroup.Name)]
public sealed class PaypalPurchasesThroughTheHost(StoreFixture fixture) : PaypalPurchaseTests(fixture);

[Collection(FunctionsStoreTestGroup.Name)]
public sealed class PaypalPurchasesThroughFunctions(FunctionsStoreFixture fixture) : PaypalPurchaseTests(fixture);
