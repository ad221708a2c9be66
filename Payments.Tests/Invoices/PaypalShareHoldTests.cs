using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Payments.Core.Invoices;
using Payments.Core.Reconciliation;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Invoices.InvoiceTestKit;
using static Payments.Tests.Invoices.PaypalShareKit;

namespace Payments.Tests.Invoices;

/// <summary>
/// A PayPal share's hold over its life, through the Host (the same Core use cases serve the Functions door): the payer
/// sent back to PayPal, an authorization that lapses, the sweep's reauthorization after the 3-day honor period, and a
/// capture PayPal leaves pending. Time passes on the PayPal emulator's clock (and, for the sweep, on a shifted clock
/// of a Host and emulator of its own).
/// </summary>
[Collection(StoreTestGroup.Name)]
public sealed class PaypalShareHoldTests(StoreFixture store)
{
    private IPaymentsDoor Host => store.Door;

    [Fact]
    public async Task A_declined_PayPal_funding_sends_the_payer_back_to_PayPal_the_share_stays_his_and_other_funding_authorizes_it()
    {
        var (id, alice, bob, _, bobsShare) = await TwoOfUsAsync(Host);
        var orderId = await OrderIdAsync(bob, id, bob.UserId);
        // He cancels on PayPal's page: sent to our cancel page; the order waits (and expires unused if he never approves).
        Assert.StartsWith($"http://127.0.0.1:7071/invoices/{id}/paypal/cancel?token={orderId}", await store.Paypal.CancelAsync(orderId));

        await store.Paypal.ApproveAsync(orderId, "card_declined");
        var declined = await HttpAssert.ProblemAsync(await CompleteAsync(bob, id, orderId), 402, "instrument_declined", "orderId");
        Assert.Equal(("approve", id), (declined.GetProperty("nextAction").GetString(), declined.GetProperty("invoiceId").GetString()));
        Assert.Contains($"token={orderId}", declined.GetProperty("approveUrl").GetString());
        var invoice = await GetAsync(bob, id);
        var payment = Assert.Single(invoice.GetProperty("payments").EnumerateArray());
        Assert.Equal(("paying", "awaiting_payment", "instrument_declined"), (ShareOf(invoice, bob).GetProperty("status").GetString(),
            payment.GetProperty("status").GetString(), payment.GetProperty("errorCode").GetString()));
        // The share is still his while he chooses again.
        await HttpAssert.ProblemAsync(await PayAsync(alice, id, bob.UserId, await alice.SaveCardAsync()), 409, "share_already_covered", "memberId");

        await store.Paypal.ApproveAsync(orderId, "balance");
        var completed = await HttpAssert.JsonAsync(await CompleteAsync(bob, id, orderId), HttpStatusCode.OK);
        Assert.Equal(("authorized", bobsShare), (completed.GetProperty("shareStatus").GetString(), completed.GetProperty("payment").GetProperty("amount").GetInt64()));
        var authorization = Assert.Single(PaypalPayments(await PaypalOrderAsync(store.Paypal, orderId)).GetProperty("authorizations").EnumerateArray());
        Assert.Equal("CREATED", authorization.GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_authorization_PayPal_lets_lapse_puts_the_share_back_to_unpaid_and_tells_its_member_once()
    {
        var (id, alice, bob, _, _) = await TwoOfUsAsync(Host);
        var orderId = await BobAuthorizesWithPaypalAsync(store.Paypal, id, bob);

        // 29 days on, PayPal voids the authorization (PAYMENT.AUTHORIZATION.VOIDED); the event's handler re-reads the order.
        await store.Paypal.AdvanceClockAsync(TimeSpan.FromDays(30));
        await DeliverAsync(Host, orderId);
        var invoice = await GetAsync(alice, id);
        var payment = Assert.Single(invoice.GetProperty("payments").EnumerateArray());
        Assert.Equal(("unpaid", "canceled", "authorization_voided", "checked_out"), (ShareOf(invoice, bob).GetProperty("status").GetString(),
            payment.GetProperty("status").GetString(), payment.GetProperty("errorCode").GetString(), invoice.GetProperty("status").GetString()));
        await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(bob.Email).Count == 1), "Bob's pay-again email");
        Assert.Contains("needs paying again", store.Smtp.To(bob.Email)[0].Subject);
        Assert.Empty(await Host.Get<InvoiceCheck>().CompareAsync(id, default)); // nothing held, nothing taken, at PayPal as here

        // The event again: nothing more. Bob pays by card and the invoice is funded without the lapsed money.
        await DeliverAsync(Host, orderId);
        await HttpAssert.JsonAsync(await PayAsync(bob, id, bob.UserId, await bob.SaveCardAsync()), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await PayAsync(alice, id, alice.UserId, await alice.SaveCardAsync()), HttpStatusCode.Created);
        var funded = await FundedAsync(alice, id);
        Assert.Equal(2, await StripeIntentsAsync(store.Stripe, id, "succeeded"));
        Assert.False(PaypalPayments(await PaypalOrderAsync(store.Paypal, orderId)).TryGetProperty("captures", out _));
        Assert.Equal(2, funded.GetProperty("payments").EnumerateArray().Count(p => p.GetProperty("status").GetString() == "captured"));
        Assert.Single(store.Smtp.To(bob.Email));
    }

    [Fact]
    public async Task The_sweep_reauthorizes_an_authorization_past_its_honor_period_once_and_funding_captures_the_reauthorization()
    {
        // A PayPal whose clock starts with ours and tables of its own, so the sweep (on a clock 3 days ahead) sees only this invoice.
        await using var paypal = await PaypalEmulatorServer.StartAsync();
        await using var host = await PaymentsHostServer.StartAsync(store.Azurite.ConnectionString, store.Stripe.BaseUrl,
            [$"Storage:NamePrefix=pp{Guid.NewGuid().ToString("n")[..8]}", $"Email:SmtpPort={store.Smtp.Port}", "Invoices:DeadlineSweepEnabled=false",
                .. DoorFixture.PaypalSettings(paypal)]);
        var (id, alice, bob, _, bobsShare) = await TwoOfUsAsync(host);
        // honor_only: PayPal guarantees the funds only inside an honor period, so a capture after it would be refused.
        var orderId = await BobAuthorizesWithPaypalAsync(paypal, id, bob, "honor_only");
        var first = (await StoredPaymentAsync(host, id, orderId)).Paypal!;

        var later = TimeSpan.FromDays(3) + TimeSpan.FromHours(1);
        await paypal.AdvanceClockAsync(later);
        var sweep = new InvoiceDeadlineSweep(host.Get<InvoiceStore>(), host.Get<InvoiceClosing>(), host.Get<InvoiceFunding>(), host.Get<InvoicePaypalCalls>(),
            new ShiftedClock { Offset = later }, NullLogger<InvoiceDeadlineSweep>.Instance);
        Assert.Equal(new InvoiceSweepResult(0, 0, 0, PaypalReauthorized: 1), await sweep.RunOnceAsync(default));
        var reauthorized = (await StoredPaymentAsync(host, id, orderId)).Paypal!;
        Assert.NotNull(reauthorized.ReauthorizationId);
        Assert.Equal(first.AuthorizationId, reauthorized.AuthorizationId);
        Assert.True(reauthorized.HonorFrom >= first.HonorFrom + later, $"a new honor period: {first.HonorFrom} → {reauthorized.HonorFrom}");
        Assert.Equal(2, PaypalPayments(await PaypalOrderAsync(paypal, orderId)).GetProperty("authorizations").GetArrayLength());

        // Once only: the next sweep leaves it (PayPal would refuse a second one).
        Assert.Equal(new InvoiceSweepResult(0, 0, 0), await sweep.RunOnceAsync(default));
        Assert.Equal(reauthorized, (await StoredPaymentAsync(host, id, orderId)).Paypal);

        await HttpAssert.JsonAsync(await PayAsync(alice, id, alice.UserId, await alice.SaveCardAsync()), HttpStatusCode.Created);
        var funded = await FundedAsync(alice, id);
        Assert.Equal(bobsShare, ShareOf(funded, bob).GetProperty("amountCaptured").GetInt64());
        var capture = await PaypalCaptureAsync(paypal, (await StoredPaymentAsync(host, id, orderId)).Paypal!.CaptureId!);
        Assert.Equal(("COMPLETED", reauthorized.ReauthorizationId), (capture.GetProperty("status").GetString(),
            capture.GetProperty("supplementary_data").GetProperty("related_ids").GetProperty("authorization_id").GetString()));
    }

    [Fact]
    public async Task A_capture_PayPal_leaves_pending_is_not_money_until_PayPal_completes_it_then_the_invoice_is_funded()
    {
        var (id, alice, bob, alicesShare, bobsShare) = await TwoOfUsAsync(Host);
        var orderId = await BobAuthorizesWithPaypalAsync(store.Paypal, id, bob, "pending_review");

        var last = await HttpAssert.JsonAsync(await PayAsync(alice, id, alice.UserId, await alice.SaveCardAsync()), HttpStatusCode.Created);
        Assert.Equal(("captured", "checked_out"), (last.GetProperty("shareStatus").GetString(), last.GetProperty("invoiceStatus").GetString()));
        var pending = await Host.Get<InvoiceStore>().GetAsync(id, default);
        var payment = pending.PaymentForOrder(orderId)!;
        Assert.Equal((InvoicePaymentStatus.Authorized, "PENDING", ShareStatus.Authorized, 0L), (payment.Status, payment.Paypal!.CaptureStatus,
            pending.Share(bob.UserId)!.Status, pending.Share(bob.UserId)!.AmountCaptured));
        Assert.True(pending.AwaitsPaypalCaptures); // the deadline waits for PayPal's word instead of refunding everyone
        Assert.Empty(store.Smtp.To(alice.Email));
        Assert.Empty(await Host.Get<InvoiceCheck>().CompareAsync(id, default)); // a pending capture is neither held nor money

        // PayPal completes the review (PAYMENT.CAPTURE.COMPLETED); the event's handler re-reads the order and funds the invoice.
        await store.Paypal.CompleteCaptureAsync(payment.Paypal.CaptureId!);
        await DeliverAsync(Host, orderId);
        var funded = await FundedAsync(alice, id);
        Assert.Equal((bobsShare, alicesShare), (ShareOf(funded, bob).GetProperty("amountCaptured").GetInt64(), ShareOf(funded, alice).GetProperty("amountCaptured").GetInt64()));
        await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(alice.Email).Count == 1), "the organiser's funded email");
    }

    private static async Task<JsonElement> PaypalCaptureAsync(PaypalEmulatorServer paypal, string captureId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/payments/captures/{captureId}");
        request.Headers.Authorization = new("Bearer", await paypal.GetAccessTokenAsync());
        using var response = await paypal.Control.SendAsync(request);
        return await HttpAssert.JsonAsync(response, HttpStatusCode.OK);
    }
}
