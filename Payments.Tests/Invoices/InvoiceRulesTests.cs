using Payments.Core.Catalog;
using Payments.Core.Http;
using Payments.Core.Invoices;
using Payments.Core.Stripe;
using Xunit;

namespace Payments.Tests.Invoices;

/// <summary>The aggregate's guarded transitions, without storage or Stripe.</summary>
public sealed class InvoiceRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly ShippingAddress Address = new("Alice", "1 Main St", "Springfield", "62701", "US");
    private static readonly QuoteLine Poster = new("poster", "Poster", "physical", 1, 10000, 10000, 500);

    private static Invoice CheckedOut(PaymentMode mode = PaymentMode.Split)
    {
        var invoice = Invoice.Open("inv_x", "alice", "alice@example.test", null, Now, TimeSpan.FromDays(5));
        invoice.Join("bob", null, 20, Now);
        invoice.SetItems("bob", [Poster], Now);
        var members = new List<MemberBasis> { new("alice", 0, 0), new("bob", 10000, 1) };
        var totals = new InvoiceTotals("USD", 10000, 1000, 500, 11500);
        invoice.CheckOut("alice", mode, Address, new PricedInvoice(totals, members, InvoicePricing.Shares(mode, members, totals, "alice")), Now);
        return invoice;
    }

    private static PaymentIntentSnapshot Intent(string id, string status, string? error = null) =>
        new(id, status, "usd", 5750, 5750, status == "requires_capture" ? 5750 : 0, status == "succeeded" ? 5750 : 0, 0, null, error, null, new Dictionary<string, string>());

    private static string CodeOf(Action action) => Assert.Throws<ApiErrorException>(action).Error.Code;

    [Fact]
    public void Checkout_is_the_organisers_and_locks_items_members_and_mode()
    {
        var invoice = Invoice.Open("inv_x", "alice", null, null, Now, TimeSpan.FromDays(5));
        invoice.Join("bob", null, 20, Now);
        Assert.False(invoice.Join("bob", null, 20, Now));
        Assert.Equal("organiser_only", CodeOf(() => invoice.CheckOut("bob", PaymentMode.Split, Address, null!, Now)));

        var locked = CheckedOut();
        Assert.Equal(InvoiceStatus.CheckedOut, locked.Status);
        Assert.Equal([5750L, 5750L], locked.Shares.Select(s => s.Amount));
        Assert.Equal("invoice_not_open", CodeOf(() => locked.SetItems("bob", [], Now)));
        Assert.Equal("invoice_not_open", CodeOf(() => locked.Join("carol", null, 20, Now)));
        Assert.Equal("invoice_full", CodeOf(() => Invoice.Open("inv_y", "alice", null, null, Now, TimeSpan.FromDays(5)).Join("bob", null, 1, Now)));
    }

    [Fact]
    public void A_claimed_share_is_covered_until_its_payment_fails()
    {
        var invoice = CheckedOut();
        invoice.ClaimShare("bob", "alice", "ipay_1", "card_1", Now);
        Assert.Equal("share_already_covered", CodeOf(() => invoice.ClaimShare("bob", "bob", "ipay_2", "card_2", Now)));

        invoice.Decline("ipay_1", "pi_1", "card_declined", "insufficient_funds", Now);
        Assert.Equal(ShareStatus.Unpaid, invoice.Share("bob")!.Status);
        invoice.ClaimShare("bob", "bob", "ipay_2", "card_2", Now);
        Assert.True(invoice.ApplyIntent("ipay_2", Intent("pi_2", "requires_capture"), Now));
        Assert.Equal((ShareStatus.Authorized, "bob"), (invoice.Share("bob")!.Status, invoice.Share("bob")!.PayerId));
    }

    [Fact]
    public void A_share_left_waiting_for_the_client_may_be_taken_over_after_the_claim_timeout()
    {
        var invoice = CheckedOut();
        invoice.ClaimShare("bob", "bob", "ipay_1", null, Now);
        invoice.ApplyIntent("ipay_1", Intent("pi_1", "requires_payment_method"), Now);
        Assert.Equal(InvoicePaymentStatus.AwaitingPayment, invoice.Payment("ipay_1")!.Status);

        Assert.Equal("share_already_covered", CodeOf(() => invoice.ClaimShare("bob", "alice", "ipay_2", "card_2", Now + Invoice.PaymentClaimTimeout / 2)));
        invoice.ClaimShare("bob", "alice", "ipay_2", "card_2", Now + Invoice.PaymentClaimTimeout);

        Assert.Equal(("ipay_2", "alice"), (invoice.Share("bob")!.PaymentId, invoice.Share("bob")!.PayerId));
        Assert.Equal(["ipay_1"], invoice.HoldsToVoid.Select(p => p.Id));
    }

    [Theory]
    [InlineData("requires_payment_method")] // a new card's form left unfinished
    [InlineData("requires_action")] // 3-D Secure left unfinished
    public void The_payer_starts_over_at_once_from_their_own_payment_that_waits_for_them(string waiting)
    {
        var invoice = CheckedOut();
        invoice.ClaimShare("bob", "bob", "ipay_1", null, Now);
        Assert.Equal("share_already_covered", CodeOf(() => invoice.ClaimShare("bob", "bob", "ipay_2", "card_2", Now))); // still in flight
        invoice.ApplyIntent("ipay_1", Intent("pi_1", waiting), Now);

        Assert.Equal("share_already_covered", CodeOf(() => invoice.ClaimShare("bob", "alice", "ipay_2", "card_2", Now)));
        invoice.ClaimShare("bob", "bob", "ipay_2", "card_2", Now);

        Assert.Equal(("ipay_2", "bob", ShareStatus.Paying), (invoice.Share("bob")!.PaymentId, invoice.Share("bob")!.PayerId, invoice.Share("bob")!.Status));
        Assert.Equal(["ipay_1"], invoice.HoldsToVoid.Select(p => p.Id));
    }

    [Fact]
    public void A_payer_who_turns_back_from_paypal_pays_by_card_at_once_and_nobody_else_does()
    {
        var invoice = CheckedOut();
        invoice.ClaimShareForPaypal("bob", "bob", "ipay_1", Now);
        invoice.ApplyPaypal("ipay_1", new InvoicePaypalSnapshot("ORDER1", "PAYER_ACTION_REQUIRED", "http://paypal.test/checkoutnow?token=ORDER1", null, null, null, null, null, null, 0, []), Now);
        Assert.Equal(InvoicePaymentStatus.AwaitingPayment, invoice.Payment("ipay_1")!.Status);

        Assert.Equal("share_already_covered", CodeOf(() => invoice.RequirePayable("bob", Now, resumingPayerId: "alice")));
        Assert.Equal("bob", invoice.RequirePayable("bob", Now, resumingPayerId: "bob").MemberId);
        invoice.ClaimShare("bob", "bob", "ipay_2", "card_2", Now);

        Assert.Equal("ipay_2", invoice.Share("bob")!.PaymentId);
        Assert.Equal((InvoicePaymentStatus.Failed, "share_taken_over"), (invoice.Payment("ipay_1")!.Status, invoice.Payment("ipay_1")!.ErrorCode));
        Assert.Empty(invoice.HoldsToVoid); // an unapproved order holds no money; should it be authorized after all, it is voided then
    }

    [Fact]
    public void Only_the_payer_resuming_their_own_pending_payment_gets_past_a_held_share()
    {
        var invoice = CheckedOut();
        invoice.ClaimShare("bob", "bob", "ipay_1", null, Now);
        Assert.Equal("bob", invoice.RequirePayable("bob", Now, resumingPayerId: "bob").MemberId);
        Assert.Equal("share_already_covered", CodeOf(() => invoice.RequirePayable("bob", Now, resumingPayerId: "alice")));
        Assert.Same(invoice.Payment("ipay_1"), invoice.ClaimShare("bob", "bob", "ipay_1", null, Now));
    }

    [Fact]
    public void A_payment_only_moves_forward_whatever_order_the_events_come_in()
    {
        var invoice = CheckedOut();
        invoice.ClaimShare("bob", "bob", "ipay_1", null, Now);
        Assert.True(invoice.ApplyIntent("ipay_1", Intent("pi_1", "succeeded"), Now));
        Assert.False(invoice.ApplyIntent("ipay_1", Intent("pi_1", "requires_capture"), Now));
        Assert.False(invoice.ApplyIntent("ipay_1", Intent("pi_1", "requires_action"), Now));
        Assert.Equal((ShareStatus.Captured, 5750L), (invoice.Share("bob")!.Status, invoice.Share("bob")!.AmountCaptured));
    }

    [Fact]
    public void A_late_authorization_of_a_released_payment_is_a_hold_to_void()
    {
        var invoice = CheckedOut();
        invoice.ClaimShare("bob", "bob", "ipay_1", null, Now);
        invoice.ApplyIntent("ipay_1", Intent("pi_1", "requires_payment_method", "card_declined"), Now);
        invoice.ClaimShare("bob", "alice", "ipay_2", "card_2", Now);
        invoice.ApplyIntent("ipay_2", Intent("pi_2", "requires_capture"), Now);

        // The payer retried the first intent in Stripe.js after all: the share already has a payment.
        invoice.ApplyIntent("ipay_1", Intent("pi_1", "requires_capture"), Now);
        Assert.Equal("ipay_2", invoice.Share("bob")!.PaymentId);
        Assert.Equal(["ipay_1"], invoice.HoldsToVoid.Select(p => p.Id));
    }

    [Fact]
    public void Funding_needs_every_share_captured_and_ending_frees_every_hold()
    {
        var invoice = CheckedOut();
        invoice.ClaimShare("alice", "alice", "ipay_a", null, Now);
        invoice.ApplyIntent("ipay_a", Intent("pi_a", "requires_capture"), Now);
        Assert.False(invoice.IsFullyAuthorized);
        Assert.False(invoice.ClaimFunding(Now, TimeSpan.FromMinutes(2)));

        Assert.True(invoice.BeginEnding(InvoiceStatus.Expired, Now, TimeSpan.FromMinutes(2)));
        Assert.Equal((InvoiceStatus.Ending, InvoiceStatus.Expired), (invoice.Status, invoice.Outcome));
        Assert.All(invoice.Shares, s => Assert.Equal(ShareStatus.Voided, s.Status));
        Assert.Equal(["ipay_a"], invoice.HoldsToVoid.Select(p => p.Id));
        Assert.Equal("invoice_closed", CodeOf(() => invoice.RequirePayable("bob", Now)));
        Assert.False(invoice.BeginEnding(InvoiceStatus.Canceled, Now, TimeSpan.FromMinutes(2)));

        // Only once the hold is released does it end.
        Assert.False(invoice.CompleteEnding(Now));
        invoice.ApplyIntent("ipay_a", Intent("pi_a", "canceled"), Now);
        Assert.True(invoice.CompleteEnding(Now));
        Assert.Equal(InvoiceStatus.Expired, invoice.Status);
        Assert.Equal("invoice_closed", CodeOf(() => invoice.BeginEnding(InvoiceStatus.Canceled, Now, TimeSpan.FromMinutes(2))));
    }

    [Fact]
    public void Only_a_funded_invoice_is_ordered_shipped_or_refunded()
    {
        var invoice = CheckedOut();
        Assert.Equal("invalid_state", CodeOf(() => invoice.MarkOrdered("alice", Now)));
        Assert.Equal("invalid_state", CodeOf(() => invoice.RequireRefundable("alice", "bob")));
        foreach (var (member, payment) in new[] { ("alice", "ipay_a"), ("bob", "ipay_b") })
        {
            invoice.ClaimShare(member, member, payment, null, Now);
            invoice.ApplyIntent(payment, Intent("pi_" + member, "requires_capture"), Now);
        }
        Assert.True(invoice.ClaimFunding(Now, TimeSpan.FromMinutes(2)));
        Assert.False(invoice.ClaimFunding(Now.AddSeconds(1), TimeSpan.FromMinutes(2)));
        foreach (var payment in invoice.PaymentsToCapture.ToList())
            invoice.ApplyIntent(payment.Id, Intent(payment.PaymentIntentId!, "succeeded"), Now);
        Assert.True(invoice.MarkFunded(Now));

        Assert.Equal("organiser_only", CodeOf(() => invoice.MarkOrdered("bob", Now)));
        Assert.Equal("invalid_state", CodeOf(() => invoice.Ship("alice", "UPS", "1Z", Now)));
        invoice.MarkOrdered("alice", Now);
        invoice.Ship("alice", "UPS", "1Z", Now);
        Assert.Equal(InvoiceStatus.Shipped, invoice.Status);
        Assert.Equal(5750, invoice.RequireRefundable("alice", "bob").Refundable);
        Assert.Equal("invalid_state", CodeOf(() => invoice.BeginEnding(InvoiceStatus.Canceled, Now, TimeSpan.FromMinutes(2))));
    }
    [Fact]
    public void Ending_waits_for_a_fresh_funding_claim_and_refunds_what_was_captured_before_it_ends()
    {
        var invoice = CheckedOut();
        foreach (var (member, payment) in new[] { ("alice", "ipay_a"), ("bob", "ipay_b") })
        {
            invoice.ClaimShare(member, member, payment, null, Now);
            invoice.ApplyIntent(payment, Intent("pi_" + member, "requires_capture"), Now);
        }
        Assert.True(invoice.ClaimFunding(Now, TimeSpan.FromMinutes(2)));
        Assert.Equal("funding_in_progress", CodeOf(() => invoice.BeginEnding(InvoiceStatus.Canceled, Now.AddSeconds(1), TimeSpan.FromMinutes(2))));

        // The run captured Bob and Stripe refused Alice's capture; its claim is let go.
        invoice.ApplyIntent("ipay_b", Intent("pi_bob", "succeeded"), Now);
        invoice.CaptureFailed("ipay_a", "payment_intent_unexpected_state", Now);
        invoice.ReleaseFunding(Now);
        Assert.Equal(InvoiceStatus.CheckedOut, invoice.Status);

        Assert.True(invoice.BeginEnding(InvoiceStatus.Canceled, Now, TimeSpan.FromMinutes(2)));
        Assert.Empty(invoice.HoldsToVoid);
        var owed = Assert.Single(invoice.RefundsOwed);
        Assert.Equal(("ipay_b", 5750L, 1), (owed.Payment.Id, owed.Amount, owed.Attempt));
        Assert.False(invoice.CompleteEnding(Now));

        // Stripe failed the first refund: it gives nothing back, and the next attempt has a key of its own.
        invoice.AddRefund(new InvoiceRefund("re_1", "bob", "ipay_b", 5750, null, "failed", Now), Now);
        Assert.Equal(2, Assert.Single(invoice.RefundsOwed).Attempt);
        invoice.AddRefund(new InvoiceRefund("re_2", "bob", "ipay_b", 5750, null, "succeeded", Now), Now);
        Assert.Empty(invoice.RefundsOwed);
        Assert.True(invoice.CompleteEnding(Now));
        Assert.Equal((InvoiceStatus.Canceled, ShareStatus.Refunded), (invoice.Status, invoice.Share("bob")!.Status));
        Assert.False(invoice.HasEndingWork);
    }

    [Fact]
    public void A_captured_payment_never_goes_back_to_canceled()
    {
        var invoice = CheckedOut();
        invoice.ClaimShare("bob", "bob", "ipay_1", null, Now);
        Assert.True(invoice.ApplyIntent("ipay_1", Intent("pi_1", "succeeded"), Now));

        Assert.False(invoice.ApplyIntent("ipay_1", Intent("pi_1", "canceled"), Now));
        Assert.Equal(InvoicePaymentStatus.Captured, invoice.Payment("ipay_1")!.Status);
        Assert.Equal((ShareStatus.Captured, 5750L), (invoice.Share("bob")!.Status, invoice.Share("bob")!.AmountCaptured));
    }

    [Fact]
    public void A_snapshot_of_another_intent_does_not_change_the_payment()
    {
        var invoice = CheckedOut();
        invoice.ClaimShare("bob", "bob", "ipay_1", null, Now);
        Assert.True(invoice.ApplyIntent("ipay_1", Intent("pi_1", "requires_capture"), Now));

        Assert.False(invoice.ApplyIntent("ipay_1", Intent("pi_other", "canceled"), Now));
        Assert.False(invoice.ApplyIntent("ipay_1", Intent("pi_other", "succeeded"), Now));
        Assert.Equal((InvoicePaymentStatus.Authorized, "pi_1"), (invoice.Payment("ipay_1")!.Status, invoice.Payment("ipay_1")!.PaymentIntentId));
        Assert.Equal(ShareStatus.Authorized, invoice.Share("bob")!.Status);
    }

    [Fact]
    public void Refunds_count_as_refunded_only_when_Stripe_says_succeeded_and_move_forward_only_in_any_order()
    {
        var invoice = CheckedOut();
        foreach (var (member, payment) in new[] { ("alice", "ipay_a"), ("bob", "ipay_b") })
        {
            invoice.ClaimShare(member, member, payment, null, Now);
            invoice.ApplyIntent(payment, Intent("pi_" + member, "succeeded"), Now);
        }
        Assert.True(invoice.MarkFunded(Now));

        // Pending: not refunded (nobody has the money back yet), but not refundable a second time either.
        invoice.AddRefund(new InvoiceRefund("re_1", "bob", "ipay_b", 1000, null, "pending", Now), Now);
        Assert.Equal((0L, 1000L, 4750L), (invoice.Share("bob")!.AmountRefunded, invoice.RefundsPending("bob"), invoice.RequireRefundable("alice", "bob").Refundable));

        // The failure read before the request's own write of the pending answer: the pending one does not undo it.
        var failed = invoice.ApplyRefund("ipay_b", new RefundSnapshot("re_1", "failed", 1000) { FailureReason = "expired_or_canceled_card" }, Now);
        Assert.Equal(("failed", "expired_or_canceled_card"), (failed!.Status, failed.FailureReason));
        invoice.AddRefund(new InvoiceRefund("re_1", "bob", "ipay_b", 1000, null, "pending", Now), Now);
        Assert.Null(invoice.ApplyRefund("ipay_b", new RefundSnapshot("re_1", "succeeded", 1000), Now));
        Assert.Equal((0L, 0L, 5750L), (invoice.Share("bob")!.AmountRefunded, invoice.RefundsPending("bob"), invoice.RequireRefundable("alice", "bob").Refundable));

        // A refund made in Stripe's Dashboard is added from Stripe's list; a succeeded one can still fail later.
        Assert.NotNull(invoice.ApplyRefund("ipay_b", new RefundSnapshot("re_2", "succeeded", 2000), Now));
        Assert.Equal((2000L, 3750L), (invoice.Share("bob")!.AmountRefunded, invoice.RequireRefundable("alice", "bob").Refundable));
        Assert.NotNull(invoice.ApplyRefund("ipay_b", new RefundSnapshot("re_2", "failed", 2000), Now));
        Assert.Equal((0L, 5750L), (invoice.Share("bob")!.AmountRefunded, invoice.RequireRefundable("alice", "bob").Refundable));
        Assert.Equal(["failed", "failed"], invoice.Refunds.Select(r => r.Status));
    }
}
