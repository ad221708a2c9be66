using System.Net;
using System.Text.Json;
using Payments.Core.Reconciliation;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Invoices.InvoiceTestKit;
using static Payments.Tests.Invoices.PaypalShareKit;

namespace Payments.Tests.Invoices;

/// <summary>
/// Group-invoice shares paid through PayPal, through each door, against the PayPal emulator (over the product's typed
/// client) beside the Stripe emulator: the docs' walk-through (an order, approved at PayPal, completed, funded with card
/// shares beside it, refunded in part and in full) and a JPY invoice whose payer never comes back.
/// </summary>
public abstract class PaypalShareTests(DoorFixture store)
{
    private IPaymentsDoor Host => store.Door;

    private Task NormalDeliveryAsync() =>
        store.DeliveryAsync(new { duplicates = 1, shuffle = false, delayMs = 0, dropTypes = Array.Empty<string>(), paused = false });

    [Fact]
    public async Task A_member_pays_a_share_with_PayPal_beside_card_shares_the_invoice_is_funded_and_the_organiser_refunds_part_then_the_rest()
    {
        await NormalDeliveryAsync();
        var (id, alice, bob, carol) = await GoldenInvoiceAsync(Host);
        await CheckOutAsync(alice, id, "each"); // alice 4400, bob 5500, carol 11500 (USD cents)

        var key = Guid.NewGuid().ToString();
        var ordered = await HttpAssert.JsonAsync(await OrderAsync(bob, id, bob.UserId, key), HttpStatusCode.Created);
        var orderId = ordered.GetProperty("orderId").GetString()!;
        var approveUrl = ordered.GetProperty("approveUrl").GetString()!;
        Assert.Equal((new Uri(store.Paypal.BaseUrl, $"checkoutnow?token={orderId}").ToString(), "PAYER_ACTION_REQUIRED", "paying", 5500L, orderId),
            (approveUrl, ordered.GetProperty("status").GetString(), ordered.GetProperty("shareStatus").GetString(),
                ordered.GetProperty("payment").GetProperty("amount").GetInt64(), ordered.GetProperty("payment").GetProperty("paypalOrderId").GetString()));
        // The same request again: the same answer, and still one order at PayPal.
        Assert.Equal(ordered.ToString(), (await HttpAssert.JsonAsync(await OrderAsync(bob, id, bob.UserId, key), HttpStatusCode.Created)).ToString());
        var order = await PaypalOrderAsync(store.Paypal, orderId);
        var unit = order.GetProperty("purchase_units")[0];
        var paymentId = ordered.GetProperty("payment").GetProperty("id").GetString()!;
        Assert.Equal(("AUTHORIZE", "USD", "55.00", $"inv:{id}:{paymentId}"), (order.GetProperty("intent").GetString(),
            unit.GetProperty("amount").GetProperty("currency_code").GetString(), unit.GetProperty("amount").GetProperty("value").GetString(), unit.GetProperty("custom_id").GetString()));

        // While Bob is at PayPal his payment holds the share.
        var carolsCard = await carol.SaveCardAsync();
        await HttpAssert.ProblemAsync(await PayAsync(carol, id, bob.UserId, carolsCard), 409, "share_already_covered", "memberId");
        // Back before approving: PayPal wants him on its page first.
        var early = await HttpAssert.ProblemAsync(await CompleteAsync(bob, id, orderId), 402, "order_not_approved", "orderId");
        Assert.Equal(("approve", approveUrl), (early.GetProperty("nextAction").GetString(), early.GetProperty("approveUrl").GetString()));

        var approved = await store.Paypal.ApproveAsync(orderId);
        Assert.StartsWith($"http://127.0.0.1:7071/invoices/{id}/paypal/return?token={orderId}", approved.GetProperty("redirectUrl").GetString());
        var completed = await HttpAssert.JsonAsync(await CompleteAsync(bob, id, orderId), HttpStatusCode.OK);
        Assert.Equal(("authorized", "authorized", "checked_out"), (completed.GetProperty("payment").GetProperty("status").GetString(),
            completed.GetProperty("shareStatus").GetString(), completed.GetProperty("invoiceStatus").GetString()));
        // Completed again (as the approval's event does when he comes back too): the same, one authorization at PayPal.
        Assert.Equal("authorized", (await HttpAssert.JsonAsync(await CompleteAsync(bob, id, orderId), HttpStatusCode.OK)).GetProperty("shareStatus").GetString());
        var authorization = Assert.Single(PaypalPayments(await PaypalOrderAsync(store.Paypal, orderId)).GetProperty("authorizations").EnumerateArray());
        Assert.Equal(("CREATED", "55.00"), (authorization.GetProperty("status").GetString(), authorization.GetProperty("amount").GetProperty("value").GetString()));

        // The card shares: the last one funds the invoice, and Bob's authorization is captured with them.
        await HttpAssert.JsonAsync(await PayAsync(alice, id, alice.UserId, await alice.SaveCardAsync()), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await PayAsync(carol, id, carol.UserId, carolsCard), HttpStatusCode.Created);
        var funded = await FundedAsync(alice, id);
        Assert.Equal(("captured", 5500L), (ShareOf(funded, bob).GetProperty("status").GetString(), ShareOf(funded, bob).GetProperty("amountCaptured").GetInt64()));
        var capture = Assert.Single(PaypalPayments(await PaypalOrderAsync(store.Paypal, orderId)).GetProperty("captures").EnumerateArray());
        Assert.Equal(("COMPLETED", "55.00", true), (capture.GetProperty("status").GetString(), capture.GetProperty("amount").GetProperty("value").GetString(),
            capture.GetProperty("final_capture").GetBoolean()));
        Assert.Equal(2, await StripeIntentsAsync(store.Stripe, id, "succeeded"));
        await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(alice.Email).Count == 1), "the organiser's funded email");

        // The organiser refunds Bob part of his share, then the rest: both from his PayPal capture.
        var part = await HttpAssert.JsonAsync(await PostKeyedAsync(alice, $"/api/invoices/{id}/refunds",
            new { memberId = bob.UserId, amount = 2000, reason = "requested_by_customer" }), HttpStatusCode.Created);
        Assert.Equal((2000L, "succeeded", 2000L), (part.GetProperty("amount").GetInt64(), part.GetProperty("status").GetString(),
            ShareOf(part.GetProperty("invoice"), bob).GetProperty("amountRefunded").GetInt64()));
        var rest = await HttpAssert.JsonAsync(await PostKeyedAsync(alice, $"/api/invoices/{id}/refunds", new { memberId = bob.UserId }), HttpStatusCode.Created);
        Assert.Equal((3500L, 5500L), (rest.GetProperty("amount").GetInt64(), ShareOf(rest.GetProperty("invoice"), bob).GetProperty("amountRefunded").GetInt64()));
        await HttpAssert.ProblemAsync(await PostKeyedAsync(alice, $"/api/invoices/{id}/refunds", new { memberId = bob.UserId, amount = 1 }), 422, "refund_exceeds_captured", "amount");

        var payments = PaypalPayments(await PaypalOrderAsync(store.Paypal, orderId));
        Assert.Equal("REFUNDED", payments.GetProperty("captures")[0].GetProperty("status").GetString());
        Assert.Equal([(part.GetProperty("refundId").GetString(), "20.00"), (rest.GetProperty("refundId").GetString(), "35.00")],
            payments.GetProperty("refunds").EnumerateArray().Select(r => (r.GetProperty("id").GetString(), r.GetProperty("amount").GetProperty("value").GetString())));
        var seenByBob = await GetAsync(bob, id);
        Assert.Equal([2000L, 3500L], seenByBob.GetProperty("refunds").EnumerateArray().Select(r => r.GetProperty("amount").GetInt64()));
        Assert.Equal(0, ShareOf(seenByBob, bob).GetProperty("amountRefundPending").GetInt64());
        // The reconciler finds our figures and PayPal's (and Stripe's) the same.
        Assert.Empty(await Host.Get<InvoiceCheck>().CompareAsync(id, default));
    }

    [Fact]
    public async Task A_JPY_share_is_ordered_and_captured_in_whole_yen_its_approval_event_completes_it_and_a_refund_PayPal_refuses_changes_nothing()
    {
        await NormalDeliveryAsync();
        var (id, alice, bob, alicesShare, bobsShare) = await TwoOfUsAsync(Host, await ProductAsync(Host, 1500, "JPY"), await ProductAsync(Host, 2500, "JPY"));
        Assert.Equal((1650L, 2750L), (alicesShare, bobsShare)); // ¥1500 + 10%, ¥2500 + 10%: yen have no minor unit

        var orderId = await OrderIdAsync(bob, id, bob.UserId);
        var amount = (await PaypalOrderAsync(store.Paypal, orderId)).GetProperty("purchase_units")[0].GetProperty("amount");
        Assert.Equal(("JPY", "2750"), (amount.GetProperty("currency_code").GetString(), amount.GetProperty("value").GetString()));
        await store.Paypal.ApproveAsync(orderId);
        // Bob never comes back from PayPal: CHECKOUT.ORDER.APPROVED's handler completes the order in his place.
        await DeliverAsync(Host, orderId, approved: true);
        Assert.Equal("authorized", ShareOf(await GetAsync(alice, id), bob).GetProperty("status").GetString());

        await HttpAssert.JsonAsync(await PayAsync(alice, id, alice.UserId, await alice.SaveCardAsync()), HttpStatusCode.Created);
        var funded = await FundedAsync(alice, id);
        Assert.Equal((2750L, 1650L), (ShareOf(funded, bob).GetProperty("amountCaptured").GetInt64(), ShareOf(funded, alice).GetProperty("amountCaptured").GetInt64()));
        var capture = PaypalPayments(await PaypalOrderAsync(store.Paypal, orderId)).GetProperty("captures")[0];
        Assert.Equal(("COMPLETED", "JPY", "2750"), (capture.GetProperty("status").GetString(),
            capture.GetProperty("amount").GetProperty("currency_code").GetString(), capture.GetProperty("amount").GetProperty("value").GetString()));
        // Bob's late return answers his payment as it is.
        var late = await HttpAssert.JsonAsync(await CompleteAsync(bob, id, orderId), HttpStatusCode.OK);
        Assert.Equal(("captured", "funded"), (late.GetProperty("payment").GetProperty("status").GetString(), late.GetProperty("invoiceStatus").GetString()));

        // Half a year later PayPal refuses to refund that capture: the organiser hears PayPal's code and nothing changes.
        await store.Paypal.AdvanceClockAsync(TimeSpan.FromDays(181));
        var refused = await HttpAssert.ProblemAsync(await PostKeyedAsync(alice, $"/api/invoices/{id}/refunds", new { memberId = bob.UserId, amount = 1000 }),
            422, "payment_provider_rejected", "amount");
        Assert.Equal("REFUND_TIME_LIMIT_EXCEEDED", refused.GetProperty("providerCode").GetString());
        var after = await GetAsync(alice, id);
        Assert.Empty(after.GetProperty("refunds").EnumerateArray());
        Assert.Equal((0L, "captured"), (ShareOf(after, bob).GetProperty("amountRefunded").GetInt64(), ShareOf(after, bob).GetProperty("status").GetString()));
        Assert.False(PaypalPayments(await PaypalOrderAsync(store.Paypal, orderId)).TryGetProperty("refunds", out _));
        Assert.Empty(await Host.Get<InvoiceCheck>().CompareAsync(id, default));
    }
}

[Collection(StoreTestGroup.Name)]
public sealed class PaypalSharesThroughTheHost(StoreFixture fixture) : PaypalShareTests(fixture);

/// <summary>Through Payments.Functions under the real worker.</summary>
[Collection(FunctionsStoreTestGroup.Name)]
public sealed class PaypalSharesThroughFunctions(FunctionsStoreFixture fixture) : PaypalShareTests(fixture);
