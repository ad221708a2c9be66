using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Core.Invoices;
using Payments.Core.Messaging;
using Payments.Core.Webhooks;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Invoices.InvoiceTestKit;

namespace Payments.Tests.Invoices;

/// <summary>
/// The README's group-invoice walk-through through each door, with Azurite, the Stripe emulator
/// delivering signed events, and the SMTP sink: open, join, fill, check out, pay, fund.
/// </summary>
public abstract class GroupInvoiceTests(DoorFixture store)
{
    private IPaymentsDoor Host => store.Door;

    private Task NormalDeliveryAsync() =>
        store.DeliveryAsync(new { duplicates = 1, shuffle = false, delayMs = 0, dropTypes = Array.Empty<string>(), paused = false });

    /// <summary>Delivers every event sent so far, waits until each is handled, then holds back the next ones.</summary>
    private async Task HoldEventsAsync()
    {
        await store.FlushAsync();
        await HttpAssert.EventuallyAsync(async () => (await Host.Get<InboxStore>().ListAsync(InboxStatus.Received, 10, default)).Count == 0, "events handled");
        await store.DeliveryAsync(new { paused = true });
    }

    /// <summary>The golden invoice checked out in <paramref name="mode"/>, Alice's and Bob's shares paid with saved cards.</summary>
    private async Task<(string InvoiceId, Person Alice, Person Bob, Person Carol)> AllButCarolPaidAsync(string mode)
    {
        await NormalDeliveryAsync();
        var (id, alice, bob, carol) = await GoldenInvoiceAsync(Host);
        await CheckOutAsync(alice, id, mode);
        foreach (var person in new[] { alice, bob })
            await HttpAssert.JsonAsync(await PayAsync(person, id, person.UserId, await person.SaveCardAsync()), HttpStatusCode.Created);
        return (id, alice, bob, carol);
    }

    [Theory]
    [InlineData("each", 4400L, 5500L, 11500L)]
    [InlineData("split", 7134L, 7133L, 7133L)]
    public async Task Three_members_pay_their_shares_and_the_invoice_is_funded_with_one_capture_each_and_one_email(
        string mode, long aliceShare, long bobShare, long carolShare)
    {
        await NormalDeliveryAsync();
        var (id, alice, bob, carol) = await GoldenInvoiceAsync(Host);

        var checkedOut = await CheckOutAsync(alice, id, mode);
        Assert.Equal("checked_out", checkedOut.GetProperty("status").GetString());
        var totals = checkedOut.GetProperty("totals");
        Assert.Equal((19000L, 1900L, 500L, 21400L, "USD"), (totals.GetProperty("subtotal").GetInt64(), totals.GetProperty("fee").GetInt64(),
            totals.GetProperty("shipping").GetInt64(), totals.GetProperty("total").GetInt64(), totals.GetProperty("currency").GetString()));
        Assert.Equal([aliceShare, bobShare, carolShare], checkedOut.GetProperty("shares").EnumerateArray().Select(s => s.GetProperty("amount").GetInt64()));

        foreach (var person in new[] { alice, bob, carol })
        {
            var paid = await HttpAssert.JsonAsync(await PayAsync(person, id, person.UserId, await person.SaveCardAsync()), HttpStatusCode.Created);
            // The last payment is captured by its own request, or a moment later by an event's handler holding the funding claim.
            string[] expected = person == carol ? ["captured", "authorized"] : ["authorized"];
            Assert.Contains(paid.GetProperty("payment").GetProperty("status").GetString(), expected);
        }

        var funded = await FundedAsync(alice, id);
        Assert.All(funded.GetProperty("shares").EnumerateArray(), s => Assert.Equal("captured", s.GetProperty("status").GetString()));
        Assert.Equal(carolShare, ShareOf(funded, carol).GetProperty("amountCaptured").GetInt64());
        Assert.Equal(3, await StripeIntentsAsync(store.Stripe, id, "succeeded"));
        Assert.Equal(3, await StripeIntentsAsync(store.Stripe, id));
        await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(alice.Email).Count == 1), "the organiser's email");

        // Events of the payments (authorized, captured) arrive afterwards and change nothing.
        await store.FlushAsync();
        Assert.Equal(3, await StripeIntentsAsync(store.Stripe, id, "succeeded"));
        Assert.Single(store.Smtp.To(alice.Email));
        Assert.Contains($"Invoice {id} is paid", store.Smtp.To(alice.Email)[0].Subject);
        Assert.Empty(store.Smtp.To(bob.Email));
    }

    [Fact]
    public async Task Six_people_joining_at_once_are_all_members_and_a_replayed_payment_answers_the_same()
    {
        await NormalDeliveryAsync();
        var (id, alice, _, _) = await GoldenInvoiceAsync(Host);
        // Fewer than the optimistic loop's attempts, so even the unluckiest writer gets through.
        var people = Enumerable.Range(0, 6).Select(i => PersonFor(Host, $"guest{i}")).ToList();

        var joined = await Task.WhenAll(people.Select(p => p.Client.PostAsync($"/api/invoices/{id}/members", null)));

        Assert.All(joined, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var invoice = await GetAsync(alice, id);
        Assert.Equal(9, invoice.GetProperty("members").GetArrayLength());
        Assert.Equal(9, invoice.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("userId").GetString()).Distinct().Count());

        await CheckOutAsync(alice, id, "organiser");
        var card = await alice.SaveCardAsync();
        var key = Guid.NewGuid().ToString();
        var first = await (await PayAsync(alice, id, alice.UserId, card, key)).Content.ReadAsStringAsync();
        var again = await PayAsync(alice, id, alice.UserId, card, key);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(first, await again.Content.ReadAsStringAsync());
        Assert.Equal(1, await StripeIntentsAsync(store.Stripe, id));
    }

    [Fact]
    public async Task Organiser_mode_puts_the_whole_total_on_the_organiser()
    {
        await NormalDeliveryAsync();
        var (id, alice, bob, _) = await GoldenInvoiceAsync(Host);
        var checkedOut = await CheckOutAsync(alice, id, "organiser");

        var share = Assert.Single(checkedOut.GetProperty("shares").EnumerateArray());
        Assert.Equal((alice.UserId, 21400L), (share.GetProperty("memberId").GetString(), share.GetProperty("amount").GetInt64()));
        await HttpAssert.ProblemAsync(await PayAsync(bob, id, bob.UserId, await bob.SaveCardAsync()), 404, "not_found", "memberId");

        await HttpAssert.JsonAsync(await PayAsync(alice, id, alice.UserId, await alice.SaveCardAsync()), HttpStatusCode.Created);
        await FundedAsync(bob, id);
    }

    [Fact]
    public async Task A_member_covers_another_members_share_and_the_member_and_organiser_views_differ()
    {
        await NormalDeliveryAsync();
        var (id, alice, bob, carol) = await GoldenInvoiceAsync(Host);
        await CheckOutAsync(alice, id, "split");
        var bobCard = await bob.SaveCardAsync();

        var covered = await HttpAssert.JsonAsync(await PayAsync(bob, id, carol.UserId, bobCard), HttpStatusCode.Created);
        Assert.Equal((carol.UserId, bob.UserId, 7133L), (covered.GetProperty("payment").GetProperty("memberId").GetString(),
            covered.GetProperty("payment").GetProperty("payerId").GetString(), covered.GetProperty("payment").GetProperty("amount").GetInt64()));
        await HttpAssert.ProblemAsync(await PayAsync(carol, id, carol.UserId, await carol.SaveCardAsync()), 409, "share_already_covered", "memberId");

        var asCarol = await GetAsync(carol, id);
        Assert.Equal("member", asCarol.GetProperty("view").GetString());
        Assert.Equal(bob.UserId, ShareOf(asCarol, carol).GetProperty("paidBy").GetString());
        Assert.False(asCarol.TryGetProperty("shippingAddress", out _));
        var seenByCarol = Assert.Single(asCarol.GetProperty("payments").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, seenByCarol.GetProperty("cardId").ValueKind); // Bob's card is Bob's business
        Assert.Equal(3, asCarol.GetProperty("members").GetArrayLength());

        var asAlice = await GetAsync(alice, id);
        Assert.Equal("organiser", asAlice.GetProperty("view").GetString());
        Assert.Equal("US", asAlice.GetProperty("shippingAddress").GetProperty("country").GetString());
        Assert.Single(asAlice.GetProperty("payments").EnumerateArray());
        var asBob = await GetAsync(bob, id);
        Assert.Equal(bobCard, Assert.Single(asBob.GetProperty("payments").EnumerateArray()).GetProperty("cardId").GetString());
    }

    [Fact]
    public async Task A_decline_frees_the_share_with_the_purchase_advice_and_another_card_pays_it()
    {
        await NormalDeliveryAsync();
        var (id, alice, _, carol) = await GoldenInvoiceAsync(Host);
        await CheckOutAsync(alice, id, "each");
        var lost = await carol.SaveCardAsync();
        (await store.Stripe.Control.PostAsJsonAsync($"/_emulator/payment_methods/{await StripeIdOfAsync(Host, carol, lost)}/decline",
            new { code = "card_declined", declineCode = "lost_card" })).EnsureSuccessStatusCode();

        var declined = await HttpAssert.ProblemAsync(await PayAsync(carol, id, carol.UserId, lost), 402, "card_declined", "paymentMethodId");
        Assert.Equal(("lost_card", "use_another_card", id), (declined.GetProperty("declineCode").GetString(),
            declined.GetProperty("nextAction").GetString(), declined.GetProperty("invoiceId").GetString()));
        var card = await HttpAssert.JsonAsync(await carol.Client.GetAsync($"/api/me/payment-methods/{lost}"), HttpStatusCode.OK);
        Assert.Equal("fail_checks", card.GetProperty("status").GetString());
        var afterDecline = await GetAsync(carol, id);
        Assert.Equal("unpaid", ShareOf(afterDecline, carol).GetProperty("status").GetString());
        Assert.Equal("failed", Assert.Single(afterDecline.GetProperty("payments").EnumerateArray()).GetProperty("status").GetString());

        var retried = await HttpAssert.JsonAsync(await PayAsync(carol, id, carol.UserId, await carol.SaveCardAsync("pm_card_mastercard")), HttpStatusCode.Created);
        Assert.Equal("authorized", retried.GetProperty("shareStatus").GetString());
        Assert.Equal(11500, retried.GetProperty("payment").GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task Three_d_secure_answers_202_and_the_event_authorizes_the_share()
    {
        await NormalDeliveryAsync();
        var (id, alice, bob, _) = await GoldenInvoiceAsync(Host);
        await CheckOutAsync(alice, id, "split");

        var pending = await HttpAssert.JsonAsync(await PayAsync(bob, id, bob.UserId, await bob.SaveCardAsync("pm_card_authenticationRequired")), HttpStatusCode.Accepted);
        Assert.Equal(("requires_action", "authenticate"), (pending.GetProperty("payment").GetProperty("status").GetString(), pending.GetProperty("nextAction").GetString()));
        var intentId = pending.GetProperty("payment").GetProperty("paymentIntentId").GetString()!;
        Assert.StartsWith(intentId + "_secret_", pending.GetProperty("clientSecret").GetString());
        Assert.Equal("paying", pending.GetProperty("shareStatus").GetString());

        (await store.Stripe.Control.PostAsJsonAsync($"/_emulator/payment_intents/{intentId}/authenticate", new { outcome = "succeed" })).EnsureSuccessStatusCode();
        await store.FlushAsync();
        await HttpAssert.EventuallyAsync(async () => ShareOf(await GetAsync(bob, id), bob).GetProperty("status").GetString() == "authorized", "share authorized by the event");
    }

    [Fact]
    public async Task A_client_confirmed_payment_returns_the_client_secret_and_settles_by_event()
    {
        await NormalDeliveryAsync();
        var (id, alice, _, _) = await GoldenInvoiceAsync(Host);
        await CheckOutAsync(alice, id, "organiser");

        var started = await HttpAssert.JsonAsync(await PayAsync(alice, id, alice.UserId, null), HttpStatusCode.Created);
        Assert.Equal(("awaiting_payment", "confirm", 21400L), (started.GetProperty("payment").GetProperty("status").GetString(),
            started.GetProperty("nextAction").GetString(), started.GetProperty("payment").GetProperty("amount").GetInt64()));
        var intentId = started.GetProperty("payment").GetProperty("paymentIntentId").GetString()!;
        Assert.StartsWith(intentId + "_secret_", started.GetProperty("clientSecret").GetString());

        // Stripe.js confirms with the secret; the emulator takes that confirmation over Stripe's API.
        using var stripe = new HttpClient { BaseAddress = store.Stripe.BaseUrl };
        stripe.DefaultRequestHeaders.Authorization = new("Bearer", "sk_test_emulator");
        (await stripe.PostAsync($"/v1/payment_intents/{intentId}/confirm",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["payment_method"] = "pm_card_visa" }))).EnsureSuccessStatusCode();

        await store.FlushAsync();
        await FundedAsync(alice, id);
        Assert.Equal(1, await StripeIntentsAsync(store.Stripe, id, "succeeded"));
    }

    [Fact]
    public async Task Two_people_paying_one_share_at_once_make_one_payment()
    {
        await NormalDeliveryAsync();
        var (id, alice, bob, carol) = await GoldenInvoiceAsync(Host);
        await CheckOutAsync(alice, id, "each");
        var (bobCard, carolCard) = (await bob.SaveCardAsync(), await carol.SaveCardAsync());

        var answers = await Task.WhenAll(
            Enumerable.Range(0, 4).Select(i => i % 2 == 0 ? PayAsync(bob, id, carol.UserId, bobCard) : PayAsync(carol, id, carol.UserId, carolCard)));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
            await HttpAssert.ProblemAsync(refused, 409, "share_already_covered", "memberId");
        var invoice = await GetAsync(alice, id);
        Assert.Single(invoice.GetProperty("payments").EnumerateArray());
        Assert.Equal(1, await StripeIntentsAsync(store.Stripe, id));
        Assert.Equal("authorized", ShareOf(invoice, carol).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_organiser_cancels_every_hold_is_voided_and_each_member_is_emailed_once()
    {
        await NormalDeliveryAsync();
        var (id, alice, bob, carol) = await GoldenInvoiceAsync(Host);
        await CheckOutAsync(alice, id, "split");
        var paid = await HttpAssert.JsonAsync(await PayAsync(bob, id, bob.UserId, await bob.SaveCardAsync()), HttpStatusCode.Created);
        var intentId = paid.GetProperty("payment").GetProperty("paymentIntentId").GetString()!;

        await HttpAssert.ProblemAsync(await bob.Client.PostAsync($"/api/invoices/{id}/cancel", null), 403, "organiser_only");
        var canceled = await HttpAssert.JsonAsync(await alice.Client.PostAsync($"/api/invoices/{id}/cancel", null), HttpStatusCode.OK);
        Assert.Equal("canceled", canceled.GetProperty("status").GetString());
        Assert.All(canceled.GetProperty("shares").EnumerateArray(), s => Assert.Equal("voided", s.GetProperty("status").GetString()));
        Assert.Equal("canceled", Assert.Single(canceled.GetProperty("payments").EnumerateArray()).GetProperty("status").GetString());
        Assert.Equal("canceled", (await store.Stripe.CreateClient().V1.PaymentIntents.GetAsync(intentId)).Status);

        // The emails go out through the queue (durable messages), a moment after the answer.
        foreach (var person in new[] { alice, bob, carol })
            await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(person.Email).Count == 1), $"{person.UserId}'s email");

        // Cancel again: nothing more is voided or sent.
        await HttpAssert.JsonAsync(await alice.Client.PostAsync($"/api/invoices/{id}/cancel", null), HttpStatusCode.OK);
        Assert.Equal(1, await StripeIntentsAsync(store.Stripe, id, "canceled"));
        await HttpAssert.EventuallyAsync(async () => (await Host.Get<InboxStore>().ListAsync(InboxStatus.Received, 10, default)).Count == 0, "messages handled");
        foreach (var person in new[] { alice, bob, carol })
            Assert.Single(store.Smtp.To(person.Email));
        await HttpAssert.ProblemAsync(await PayAsync(carol, id, carol.UserId, await carol.SaveCardAsync()), 409, "invoice_closed");
    }

    [Fact]
    public async Task After_funding_the_organiser_marks_it_ordered_and_shipped_and_refunds_part_of_a_share()
    {
        await NormalDeliveryAsync();
        var (id, alice, bob, carol) = await GoldenInvoiceAsync(Host);
        await CheckOutAsync(alice, id, "each");
        await HttpAssert.ProblemAsync(await PostKeyedAsync(alice, $"/api/invoices/{id}/refunds", new { memberId = bob.UserId }), 409, "invalid_state");
        foreach (var person in new[] { alice, bob, carol })
            await HttpAssert.JsonAsync(await PayAsync(person, id, person.UserId, await person.SaveCardAsync()), HttpStatusCode.Created);

        await HttpAssert.ProblemAsync(await PostKeyedAsync(bob, $"/api/invoices/{id}/refunds", new { memberId = bob.UserId }), 403, "organiser_only");
        await HttpAssert.ProblemAsync(await PostKeyedAsync(alice, $"/api/invoices/{id}/refunds", new { memberId = bob.UserId, amount = 5501 }), 422, "refund_exceeds_captured", "amount");
        var refunded = await HttpAssert.JsonAsync(
            await PostKeyedAsync(alice, $"/api/invoices/{id}/refunds", new { memberId = bob.UserId, amount = 2000, reason = "requested_by_customer" }), HttpStatusCode.Created);
        Assert.StartsWith("re_", refunded.GetProperty("refundId").GetString());
        Assert.Equal(2000, ShareOf(refunded.GetProperty("invoice"), bob).GetProperty("amountRefunded").GetInt64());

        await HttpAssert.ProblemAsync(await alice.Client.PostAsJsonAsync($"/api/invoices/{id}/shipment", new { carrier = "UPS", trackingNumber = "1Z999" }), 409, "invalid_state");
        Assert.Equal("ordered", (await HttpAssert.JsonAsync(await alice.Client.PostAsync($"/api/invoices/{id}/ordered", null), HttpStatusCode.OK)).GetProperty("status").GetString());
        await HttpAssert.JsonAsync(await alice.Client.PostAsJsonAsync($"/api/invoices/{id}/shipment", new { carrier = "UPS", trackingNumber = "1Z999" }), HttpStatusCode.OK);

        var seenByBob = await GetAsync(bob, id);
        Assert.Equal("shipped", seenByBob.GetProperty("status").GetString());
        Assert.Equal("1Z999", seenByBob.GetProperty("shipment").GetProperty("trackingNumber").GetString());
        var refund = Assert.Single(seenByBob.GetProperty("refunds").EnumerateArray());
        Assert.Equal((bob.UserId, 2000L), (refund.GetProperty("memberId").GetString(), refund.GetProperty("amount").GetInt64()));
        Assert.Equal("captured", ShareOf(seenByBob, bob).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Nobody_outside_the_invoice_can_read_or_pay_it_and_my_invoices_lists_it()
    {
        await NormalDeliveryAsync();
        var (id, alice, bob, carol) = await GoldenInvoiceAsync(Host);
        await CheckOutAsync(alice, id, "split");
        var stranger = PersonFor(Host, "mallory");

        await HttpAssert.ProblemAsync(await stranger.Client.GetAsync($"/api/invoices/{id}"), 404, "not_found");
        await HttpAssert.ProblemAsync(await PayAsync(stranger, id, carol.UserId, await stranger.SaveCardAsync()), 404, "not_found");
        await HttpAssert.ProblemAsync(await stranger.Client.PostAsync($"/api/invoices/{id}/cancel", null), 404, "not_found");
        await HttpAssert.ProblemAsync(await stranger.Client.GetAsync("/api/invoices/inv_00000000000000000000"), 404, "not_found");
        await HttpAssert.ProblemAsync(await stranger.Client.PostAsync($"/api/invoices/{id}/members", null), 409, "invoice_not_open");

        var mine = await HttpAssert.JsonAsync(await bob.Client.GetAsync("/api/me/invoices"), HttpStatusCode.OK);
        var listed = Assert.Single(mine.GetProperty("data").EnumerateArray());
        Assert.Equal((id, "member", 7133L), (listed.GetProperty("id").GetString(), listed.GetProperty("role").GetString(), listed.GetProperty("myShare").GetInt64()));
        Assert.Empty((await HttpAssert.JsonAsync(await stranger.Client.GetAsync("/api/me/invoices"), HttpStatusCode.OK)).GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task Bad_input_is_a_clear_4xx_and_changes_nothing()
    {
        await NormalDeliveryAsync();
        var (id, alice, bob, carol) = await GoldenInvoiceAsync(Host);
        var before = await GetAsync(alice, id);

        await HttpAssert.ProblemAsync(await bob.Client.PutAsJsonAsync($"/api/invoices/{id}/items", new { items = new[] { new { productId = "unicorn", quantity = 1 } } }), 422, "products_unavailable", "items");
        await HttpAssert.ProblemAsync(await bob.Client.PutAsJsonAsync($"/api/invoices/{id}/items", new { items = new[] { new { productId = "poster", quantity = 101 } } }), 400, "validation_failed", "items[0].quantity");
        await HttpAssert.ProblemAsync(await bob.Client.PostAsJsonAsync($"/api/invoices/{id}/checkout", new { mode = "split", shippingAddress = Address }), 403, "organiser_only");
        await HttpAssert.ProblemAsync(await alice.Client.PostAsJsonAsync($"/api/invoices/{id}/checkout", new { mode = "halves", shippingAddress = Address }), 400, "validation_failed", "mode");
        var bobCard = await bob.SaveCardAsync();
        await HttpAssert.ProblemAsync(await PayAsync(bob, id, bob.UserId, bobCard), 409, "invalid_state");
        Assert.Equal(before.GetProperty("members").ToString(), (await GetAsync(alice, id)).GetProperty("members").ToString());

        var empty = (await HttpAssert.JsonAsync(await alice.Client.PostAsJsonAsync("/api/invoices", new { }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var dana = PersonFor(Host, "dana");
        await HttpAssert.ProblemAsync(await alice.Client.PostAsJsonAsync($"/api/invoices/{empty}/checkout", new { mode = "split", shippingAddress = Address }), 400, "empty_cart", "items");
        Assert.Equal("open", (await GetAsync(alice, empty)).GetProperty("status").GetString());

        await CheckOutAsync(alice, id, "each");
        await HttpAssert.ProblemAsync(await bob.Client.PutAsJsonAsync($"/api/invoices/{id}/items", new { items = new[] { new { productId = "poster", quantity = 1 } } }), 409, "invoice_not_open");
        await HttpAssert.ProblemAsync(await alice.Client.PostAsJsonAsync($"/api/invoices/{id}/checkout", new { mode = "split", shippingAddress = Address }), 409, "invoice_not_open");
        // The same checkout again (the organiser's retry after a lost answer) answers the checked-out invoice, unchanged.
        var checkedOut = await GetAsync(alice, id);
        var again = await CheckOutAsync(alice, id, "each");
        Assert.Equal(("checked_out", checkedOut.GetProperty("shares").ToString(), checkedOut.GetProperty("checkedOutAt").ToString()),
            (again.GetProperty("status").GetString(), again.GetProperty("shares").ToString(), again.GetProperty("checkedOutAt").ToString()));
        var intentsBefore = await StripeIntentsAsync(store.Stripe, id);
        var danaCard = await dana.SaveCardAsync();
        await HttpAssert.ProblemAsync(await PayAsync(bob, id, bob.UserId, danaCard), 422, "card_not_usable", "paymentMethodId");
        await HttpAssert.ProblemAsync(await PayAsync(bob, id, bob.UserId, "card_00000000000000000000"), 422, "card_not_usable", "paymentMethodId");
        await HttpAssert.ProblemAsync(await PayAsync(bob, id, "nobody", bobCard), 404, "not_found", "memberId");
        var noKey = await bob.Client.PostAsJsonAsync($"/api/invoices/{id}/shares/{bob.UserId}/payments", new { });
        await HttpAssert.ProblemAsync(noKey, 400, "idempotency_key_required", "Idempotency-Key");

        Assert.Equal(intentsBefore, await StripeIntentsAsync(store.Stripe, id));
        var after = await GetAsync(alice, id);
        Assert.Empty(after.GetProperty("payments").EnumerateArray());
        Assert.All(after.GetProperty("shares").EnumerateArray(), s => Assert.Equal("unpaid", s.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_capture_that_fails_puts_the_share_back_to_unpaid_and_emails_its_member()
    {
        await NormalDeliveryAsync();
        var (id, alice, bob, carol) = await GoldenInvoiceAsync(Host);
        await CheckOutAsync(alice, id, "split");
        await HttpAssert.JsonAsync(await PayAsync(alice, id, alice.UserId, await alice.SaveCardAsync()), HttpStatusCode.Created);
        var bobs = await HttpAssert.JsonAsync(await PayAsync(bob, id, bob.UserId, await bob.SaveCardAsync()), HttpStatusCode.Created);

        // Bob's authorization lapses before the last share is paid; hold its events back so the capture finds out.
        await HoldEventsAsync();
        try
        {
            (await store.Stripe.Control.PostAsync($"/_emulator/payment_intents/{bobs.GetProperty("payment").GetProperty("paymentIntentId").GetString()}/expire_authorization", null)).EnsureSuccessStatusCode();
            var last = await HttpAssert.JsonAsync(await PayAsync(carol, id, carol.UserId, await carol.SaveCardAsync()), HttpStatusCode.Created);
            Assert.Equal("checked_out", last.GetProperty("invoiceStatus").GetString());
        }
        finally
        {
            await NormalDeliveryAsync();
        }

        var invoice = await GetAsync(alice, id);
        Assert.Equal("checked_out", invoice.GetProperty("status").GetString());
        Assert.Equal(("unpaid", "captured", "captured"), (ShareOf(invoice, bob).GetProperty("status").GetString(),
            ShareOf(invoice, alice).GetProperty("status").GetString(), ShareOf(invoice, carol).GetProperty("status").GetString()));
        await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(bob.Email).Count == 1), "Bob's email");
        Assert.Empty(store.Smtp.To(alice.Email));

        // Bob pays again and the invoice is funded.
        await HttpAssert.JsonAsync(await PayAsync(bob, id, bob.UserId, await bob.SaveCardAsync("pm_card_mastercard")), HttpStatusCode.Created);
        await FundedAsync(alice, id);
        await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(alice.Email).Count == 1), "the organiser's email");
    }

    [Fact]
    public async Task With_SMTP_refusing_the_organiser_when_the_invoice_is_funded_the_funded_email_is_sent_once_it_is_back()
    {
        // Issue 14, defect 6: the funded email was sent inline and its failure swallowed, so the organiser was never told to order.
        var (id, alice, _, carol) = await AllButCarolPaidAsync("split");
        var carolsCard = await carol.SaveCardAsync();
        // The relay cannot take mail for the organiser for the email's first attempt and its first retry.
        store.Smtp.RefuseRecipient(alice.Email, 2);
        try
        {
            await HttpAssert.JsonAsync(await PayAsync(carol, id, carol.UserId, carolsCard), HttpStatusCode.Created);
            await FundedAsync(alice, id);
            await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(alice.Email).Count == 1), "the funded email, once the relay takes it", 60);
        }
        finally
        {
            store.Smtp.RefuseRecipient(alice.Email, 0);
        }

        var rowId = OwnMessages.IdFor(InvoiceEmails.MessageType, $"{id}:funded");
        await HttpAssert.EventuallyAsync(async () => (await Host.Get<InboxStore>().FindAsync(rowId, default))?.Event.Status == InboxStatus.Processed, "the email's message processed");
        var row = (await Host.Get<InboxStore>().FindAsync(rowId, default))!.Value.Event;
        Assert.True(row.Attempts >= 3, $"two refused attempts and the one that sent: {row.Attempts}");
        // Later events of the payments change nothing: still one email, and the one it names.
        await store.FlushAsync();
        await HttpAssert.EventuallyAsync(async () => (await Host.Get<InboxStore>().ListAsync(InboxStatus.Received, 10, default)).Count == 0, "events handled");
        var received = Assert.Single(store.Smtp.To(alice.Email));
        Assert.Contains($"Invoice {id} is paid", received.Subject);
    }

    [Fact]
    public async Task The_last_payer_waits_while_another_runner_holds_the_funding_claim_and_is_told_the_invoice_is_funded()
    {
        var (id, _, _, carol) = await AllButCarolPaidAsync("each");
        var carolsCard = await carol.SaveCardAsync();
        // A payment event's handler is funding the invoice at this moment: it holds a fresh claim.
        await SetFundingClaimAsync(id, DateTimeOffset.UtcNow);

        var paying = PayAsync(carol, id, carol.UserId, carolsCard);
        await HttpAssert.EventuallyAsync(async () => (await Host.Get<InvoiceStore>().GetAsync(id, default)).Payments
            .Any(p => p.MemberId == carol.UserId && p.Status == InvoicePaymentStatus.Authorized), "Carol's payment authorized");
        // The other runner lets go (its claim goes stale, as when it dies); the waiting request funds the invoice.
        await SetFundingClaimAsync(id, DateTimeOffset.UtcNow - InvoiceFunding.ClaimTimeout - TimeSpan.FromSeconds(1));

        var paid = await HttpAssert.JsonAsync(await paying, HttpStatusCode.Created);
        Assert.Equal(("captured", "funded"), (paid.GetProperty("payment").GetProperty("status").GetString(), paid.GetProperty("invoiceStatus").GetString()));
    }

    /// <summary>Alice (organiser) and Bob, checked out split; Alice's share authorized, then her authorization lapses and Bob's payment
    /// (the last) has his share captured while Stripe refuses hers: the invoice stays checked out with Bob's money taken.</summary>
    private async Task<(string InvoiceId, Person Alice, Person Bob, long BobsShare, string AlicesIntent, string BobsIntent)> OneCaptureRefusedAsync()
    {
        await NormalDeliveryAsync();
        var (alice, bob) = (PersonFor(Host, "alice"), PersonFor(Host, "bob"));
        var id = (await HttpAssert.JsonAsync(await alice.Client.PostAsJsonAsync("/api/invoices", new { title = "Two of us" }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await HttpAssert.JsonAsync(await bob.Client.PostAsync($"/api/invoices/{id}/members", null), HttpStatusCode.Created);
        await SetItemsAsync(alice, id, new { productId = "livestream", quantity = 2 });
        await SetItemsAsync(bob, id, new { productId = "meet-and-greet", quantity = 1 });
        var bobsShare = ShareOf(await CheckOutAsync(alice, id, "split"), bob).GetProperty("amount").GetInt64();
        var alicesIntent = (await HttpAssert.JsonAsync(await PayAsync(alice, id, alice.UserId, await alice.SaveCardAsync()), HttpStatusCode.Created))
            .GetProperty("payment").GetProperty("paymentIntentId").GetString()!;

        await HoldEventsAsync();
        try
        {
            (await store.Stripe.Control.PostAsync($"/_emulator/payment_intents/{alicesIntent}/expire_authorization", null)).EnsureSuccessStatusCode();
            var last = await HttpAssert.JsonAsync(await PayAsync(bob, id, bob.UserId, await bob.SaveCardAsync()), HttpStatusCode.Created);
            Assert.Equal("checked_out", last.GetProperty("invoiceStatus").GetString());
        }
        finally
        {
            await NormalDeliveryAsync();
        }
        var invoice = await GetAsync(alice, id);
        Assert.Equal(("checked_out", "unpaid", "captured"), (invoice.GetProperty("status").GetString(),
            ShareOf(invoice, alice).GetProperty("status").GetString(), ShareOf(invoice, bob).GetProperty("status").GetString()));
        var bobsIntent = (await Host.Get<InvoiceStore>().GetAsync(id, default)).Payments.Single(p => p.MemberId == bob.UserId).PaymentIntentId!;
        return (id, alice, bob, bobsShare, alicesIntent, bobsIntent);
    }

    /// <summary>Stripe's refunds of one PaymentIntent, as Stripe lists them.</summary>
    private async Task<List<long>> StripeRefundsAsync(string paymentIntentId) =>
        (await store.Stripe.CreateClient().V1.Refunds.ListAsync(new global::Stripe.RefundListOptions { PaymentIntent = paymentIntentId }))
            .Data.Select(r => r.Amount).ToList();

    [Fact]
    public async Task After_a_refused_capture_the_organiser_can_cancel_and_the_captured_share_is_refunded_in_full()
    {
        var (id, alice, bob, bobsShare, alicesIntent, bobsIntent) = await OneCaptureRefusedAsync();

        var canceled = await HttpAssert.JsonAsync(await alice.Client.PostAsync($"/api/invoices/{id}/cancel", null), HttpStatusCode.OK);

        Assert.Equal("canceled", canceled.GetProperty("status").GetString());
        Assert.Equal(("refunded", bobsShare, bobsShare), (ShareOf(canceled, bob).GetProperty("status").GetString(),
            ShareOf(canceled, bob).GetProperty("amountCaptured").GetInt64(), ShareOf(canceled, bob).GetProperty("amountRefunded").GetInt64()));
        Assert.Equal("voided", ShareOf(canceled, alice).GetProperty("status").GetString());
        var refund = Assert.Single(canceled.GetProperty("refunds").EnumerateArray());
        Assert.Equal((bob.UserId, bobsShare), (refund.GetProperty("memberId").GetString(), refund.GetProperty("amount").GetInt64()));
        Assert.Equal([bobsShare], await StripeRefundsAsync(bobsIntent));
        var stripe = store.Stripe.CreateClient();
        Assert.Equal("canceled", (await stripe.V1.PaymentIntents.GetAsync(alicesIntent)).Status);
        var stored = await Host.Get<InvoiceStore>().GetAsync(id, default);
        Assert.Equal((InvoiceStatus.Canceled, false), (stored.Status, stored.HasEndingWork));

        // Bob is told what was taken and given back; Alice (whose capture was refused) that nothing was charged.
        await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(bob.Email).Count == 1), "Bob's ended email");
        Assert.Contains("has been refunded", Text(store.Smtp.To(bob.Email)[0]));
        await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(alice.Email).Any(m => m.Subject.Contains("canceled"))), "Alice's ended email");
        Assert.Contains("nothing was charged", Text(store.Smtp.To(alice.Email).Single(m => m.Subject.Contains("canceled"))));

        // Again, and the late events: nothing more refunded or sent.
        await HttpAssert.JsonAsync(await alice.Client.PostAsync($"/api/invoices/{id}/cancel", null), HttpStatusCode.OK);
        await store.FlushAsync();
        Assert.Equal([bobsShare], await StripeRefundsAsync(bobsIntent));
        Assert.Single(store.Smtp.To(bob.Email));
    }

    [Fact]
    public async Task Cancel_does_not_end_an_invoice_while_a_funding_run_holds_a_fresh_claim()
    {
        var (id, alice, _, _) = await AllButCarolPaidAsync("each");
        // A funding run is capturing at this moment: it holds a fresh claim.
        await SetFundingClaimAsync(id, DateTimeOffset.UtcNow);

        await HttpAssert.ProblemAsync(await alice.Client.PostAsync($"/api/invoices/{id}/cancel", null), 409, "funding_in_progress");
        var stored = await Host.Get<InvoiceStore>().GetAsync(id, default);
        Assert.Equal(InvoiceStatus.CheckedOut, stored.Status);
        Assert.All(stored.Payments, p => Assert.Equal(InvoicePaymentStatus.Authorized, p.Status));
        Assert.Equal(0, await StripeIntentsAsync(store.Stripe, id, "canceled"));

        // The run dies (its claim goes stale): cancel goes ahead.
        await SetFundingClaimAsync(id, DateTimeOffset.UtcNow - InvoiceFunding.ClaimTimeout - TimeSpan.FromSeconds(1));
        var canceled = await HttpAssert.JsonAsync(await alice.Client.PostAsync($"/api/invoices/{id}/cancel", null), HttpStatusCode.OK);
        Assert.Equal("canceled", canceled.GetProperty("status").GetString());
        Assert.Equal(2, await StripeIntentsAsync(store.Stripe, id, "canceled"));
    }

    [Fact]
    public async Task An_intent_found_captured_while_voiding_is_refunded_not_left_captured_on_the_ended_invoice()
    {
        var (id, alice, bob, _) = await AllButCarolPaidAsync("split");
        var bobsIntent = (await Host.Get<InvoiceStore>().GetAsync(id, default)).Payments.Single(p => p.MemberId == bob.UserId).PaymentIntentId!;

        await HoldEventsAsync();
        JsonElement canceled;
        try
        {
            // A funding run captured Bob's payment at Stripe a moment ago; we have not recorded it yet.
            await store.Stripe.CreateClient().V1.PaymentIntents.CaptureAsync(bobsIntent);
            canceled = await HttpAssert.JsonAsync(await alice.Client.PostAsync($"/api/invoices/{id}/cancel", null), HttpStatusCode.OK);
        }
        finally
        {
            await NormalDeliveryAsync();
        }

        Assert.Equal("canceled", canceled.GetProperty("status").GetString());
        Assert.Equal(("refunded", 7133L), (ShareOf(canceled, bob).GetProperty("status").GetString(), ShareOf(canceled, bob).GetProperty("amountRefunded").GetInt64()));
        Assert.Equal([7133L], await StripeRefundsAsync(bobsIntent));
        var stored = await Host.Get<InvoiceStore>().GetAsync(id, default);
        Assert.Equal((InvoiceStatus.Canceled, false), (stored.Status, stored.HasEndingWork));
        await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(bob.Email).Count == 1), "Bob's ended email");
        Assert.DoesNotContain("nothing was charged", Text(store.Smtp.To(bob.Email)[0]));
        Assert.Contains("nothing was charged", Text(await WaitForSingleEmailAsync(alice)));

        await store.FlushAsync();
        Assert.Equal([7133L], await StripeRefundsAsync(bobsIntent));
    }

    [Fact]
    public async Task A_void_that_Stripe_fails_leaves_the_invoice_ending_and_the_sweep_finishes_it_with_one_email_each()
    {
        await NormalDeliveryAsync();
        var (id, alice, bob, carol) = await GoldenInvoiceAsync(Host);
        await CheckOutAsync(alice, id, "split");
        var intentId = (await HttpAssert.JsonAsync(await PayAsync(bob, id, bob.UserId, await bob.SaveCardAsync()), HttpStatusCode.Created))
            .GetProperty("payment").GetProperty("paymentIntentId").GetString()!;

        await HoldEventsAsync();
        try
        {
            await store.Stripe.FaultAsync(new { method = "POST", pathPrefix = $"/v1/payment_intents/{intentId}/cancel", status = 500, count = 100 });
            var ending = await HttpAssert.JsonAsync(await alice.Client.PostAsync($"/api/invoices/{id}/cancel", null), HttpStatusCode.Accepted);
            Assert.Equal(("ending", "canceled"), (ending.GetProperty("status").GetString(), ending.GetProperty("endingAs").GetString()));
            var stored = await Host.Get<InvoiceStore>().GetAsync(id, default);
            Assert.Equal((InvoiceStatus.Ending, InvoiceStatus.Canceled), (stored.Status, stored.Outcome));
            Assert.Equal([intentId], stored.HoldsToVoid.Select(p => p.PaymentIntentId));
            await HttpAssert.ProblemAsync(await PayAsync(carol, id, carol.UserId, await carol.SaveCardAsync()), 409, "invoice_closed");
            Assert.Empty(store.Smtp.To(bob.Email));
            (await store.Stripe.Control.DeleteAsync("/_emulator/faults")).EnsureSuccessStatusCode();

            using var admin = Host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
            var swept = await HttpAssert.JsonAsync(await admin.PostAsync("/api/invoices/deadline-sweep", null), HttpStatusCode.OK);
            Assert.True(swept.GetProperty("endingsFinished").GetInt32() >= 1);
        }
        finally
        {
            await store.Stripe.Control.DeleteAsync("/_emulator/faults");
            await NormalDeliveryAsync();
        }

        var canceled = await GetAsync(alice, id);
        Assert.Equal("canceled", canceled.GetProperty("status").GetString());
        Assert.Equal("canceled", (await store.Stripe.CreateClient().V1.PaymentIntents.GetAsync(intentId)).Status);
        foreach (var person in new[] { alice, bob, carol })
            await WaitForSingleEmailAsync(person);
        using (var admin = Host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin"))
            await HttpAssert.JsonAsync(await admin.PostAsync("/api/invoices/deadline-sweep", null), HttpStatusCode.OK);
        await store.FlushAsync();
        foreach (var person in new[] { alice, bob, carol })
            Assert.Single(store.Smtp.To(person.Email));
    }

    [Fact]
    public async Task A_same_key_retry_after_a_500_gets_its_own_payment_as_it_is_now_with_its_client_secret()
    {
        await NormalDeliveryAsync();
        var (id, alice, bob, _) = await GoldenInvoiceAsync(Host);
        await CheckOutAsync(alice, id, "split");
        var card = await bob.SaveCardAsync("pm_card_authenticationRequired");
        var key = Guid.NewGuid().ToString();

        await HoldEventsAsync();
        try
        {
            // Stripe makes the intent (it wants 3-D Secure) but answers 500, and looking for it fails too: the request answers 5xx.
            await store.Stripe.FaultAsync(new { method = "POST", pathPrefix = "/v1/payment_intents", status = 500, count = 1, when = "after_execution" });
            await store.Stripe.FaultAsync(new { method = "GET", pathPrefix = "/v1/payment_intents", status = 500, count = 100 });
            var failed = await PayAsync(bob, id, bob.UserId, card, key);
            Assert.True((int)failed.StatusCode >= 500, $"answered {(int)failed.StatusCode}");
        }
        finally
        {
            await store.Stripe.Control.DeleteAsync("/_emulator/faults");
            await NormalDeliveryAsync();
        }
        // The intent's events move the payment on before the client retries.
        await store.FlushAsync();
        await HttpAssert.EventuallyAsync(async () => (await Host.Get<InvoiceStore>().GetAsync(id, default)).Payments
            .Any(p => p.MemberId == bob.UserId && p.Status == InvoicePaymentStatus.RequiresAction), "Bob's payment requires_action");

        var retried = await HttpAssert.JsonAsync(await PayAsync(bob, id, bob.UserId, card, key), HttpStatusCode.Accepted);
        Assert.Equal(("requires_action", "authenticate", "paying"), (retried.GetProperty("payment").GetProperty("status").GetString(),
            retried.GetProperty("nextAction").GetString(), retried.GetProperty("shareStatus").GetString()));
        var intentId = retried.GetProperty("payment").GetProperty("paymentIntentId").GetString()!;
        Assert.StartsWith(intentId + "_secret_", retried.GetProperty("clientSecret").GetString());
        var again = await PayAsync(bob, id, bob.UserId, card, key);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);

        var stored = await Host.Get<InvoiceStore>().GetAsync(id, default);
        var payment = Assert.Single(stored.Payments);
        Assert.Equal((intentId, InvoicePaymentStatus.RequiresAction), (payment.PaymentIntentId, payment.Status));
        var customer = await Host.Get<Payments.Core.Cards.CustomerAccounts>().FindAsync(bob.UserId, default);
        var intents = await store.Stripe.CreateClient().V1.PaymentIntents.ListAsync(new global::Stripe.PaymentIntentListOptions { Customer = customer, Limit = 100 });
        Assert.Equal([intentId], intents.Data.Where(i => i.Metadata.GetValueOrDefault("invoice_id") == id).Select(i => i.Id));
    }

    /// <summary>The message as sent, its quoted-printable soft line breaks undone.</summary>
    private static string Text(ReceivedEmail message) => message.Data.Replace("=\r\n", "", StringComparison.Ordinal);

    private async Task<ReceivedEmail> WaitForSingleEmailAsync(Person person)
    {
        await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(person.Email).Count >= 1), $"{person.UserId}'s email");
        return Assert.Single(store.Smtp.To(person.Email));
    }

    /// <summary>Sets the funding claim on the invoice's header row (ETag-guarded), as a runner claiming it would.</summary>
    private async Task SetFundingClaimAsync(string invoiceId, DateTimeOffset claimedAt)
    {
        var table = Host.Get<Payments.Core.Storage.PaymentsStorage>().Table(Payments.Core.Storage.TableNames.GroupInvoices);
        while (true)
        {
            var row = (await table.GetEntityAsync<Azure.Data.Tables.TableEntity>(invoiceId, "invoice")).Value;
            var header = System.Text.Json.Nodes.JsonNode.Parse(row.GetString("Data"))!;
            header["fundingClaimedAt"] = claimedAt;
            row["Data"] = header.ToJsonString();
            try
            {
                await table.UpdateEntityAsync(row, row.ETag, Azure.Data.Tables.TableUpdateMode.Replace);
                return;
            }
            catch (Azure.RequestFailedException ex) when (ex.Status == 412)
            {
            }
        }
    }

    [Fact]
    public async Task A_payment_and_a_refund_behind_a_saved_Stripe_500_each_happen_once()
    {
        var (id, alice, _, carol) = await AllButCarolPaidAsync("each");
        var carolsCard = await carol.SaveCardAsync();

        // Stripe makes Carol's PaymentIntent, then answers 500 and saves that answer under the key: the intent is found by our payment id.
        await store.Stripe.FaultAsync(new { method = "POST", pathPrefix = "/v1/payment_intents", status = 500, count = 1, when = "after_execution" });
        await HttpAssert.JsonAsync(await PayAsync(carol, id, carol.UserId, carolsCard), HttpStatusCode.Created);
        await FundedAsync(alice, id);
        Assert.Equal(3, await StripeIntentsAsync(store.Stripe, id));
        var carolsIntent = (await Host.Get<InvoiceStore>().GetAsync(id, default)).Payments.Single(p => p.MemberId == carol.UserId).PaymentIntentId!;
        Assert.Equal(11500, (await store.Stripe.CreateClient().V1.PaymentIntents.GetAsync(carolsIntent)).AmountReceived);

        // The refund's first try fails in Stripe with a saved 500 and no effect: nothing is found, the key's next generation refunds once.
        await store.Stripe.FaultAsync(new { method = "POST", pathPrefix = "/v1/refunds", status = 500, count = 1, when = "during_execution" });
        var refunded = await HttpAssert.JsonAsync(
            await PostKeyedAsync(alice, $"/api/invoices/{id}/refunds", new { memberId = carol.UserId, amount = 1500 }), HttpStatusCode.Created);
        Assert.Equal(1500, ShareOf(refunded.GetProperty("invoice"), carol).GetProperty("amountRefunded").GetInt64());
        var refunds = await store.Stripe.CreateClient().V1.Refunds.ListAsync(new global::Stripe.RefundListOptions { PaymentIntent = carolsIntent });
        Assert.Equal([1500L], refunds.Data.Select(r => r.Amount));
    }

    [Fact]
    public async Task A_refund_Stripe_fails_is_pending_then_failed_counts_for_nothing_is_refundable_again_and_the_organiser_is_told_once()
    {
        // Every event twice: the refund's handlers must be idempotent.
        await store.DeliveryAsync(new { duplicates = 2, shuffle = false, delayMs = 0, dropTypes = Array.Empty<string>(), paused = false });
        var (id, alice, bob, carol) = await GoldenInvoiceAsync(Host);
        await CheckOutAsync(alice, id, "each");
        foreach (var (person, card) in new[] { (alice, "pm_card_visa"), (bob, "pm_card_refundFail"), (carol, "pm_card_visa") })
            await HttpAssert.JsonAsync(await PayAsync(person, id, person.UserId, await person.SaveCardAsync(card)), HttpStatusCode.Created);
        await FundedAsync(alice, id);
        var bobsIntent = (await Host.Get<InvoiceStore>().GetAsync(id, default)).Payments.Single(p => p.MemberId == bob.UserId).PaymentIntentId!;

        // Stripe accepts the refund as pending: the answer says so, and nothing is counted as refunded yet.
        var answer = await HttpAssert.JsonAsync(
            await PostKeyedAsync(alice, $"/api/invoices/{id}/refunds", new { memberId = bob.UserId, amount = 1000 }), HttpStatusCode.Created);
        Assert.Equal("pending", answer.GetProperty("status").GetString());
        var refundId = answer.GetProperty("refundId").GetString()!;
        Assert.Equal(0, ShareOf(answer.GetProperty("invoice"), bob).GetProperty("amountRefunded").GetInt64());

        // Then it fails (refund.updated, refund.failed): shown as failed, counted for nothing, as Stripe counts it.
        var invoice = default(JsonElement);
        await HttpAssert.EventuallyAsync(async () => (invoice = await GetAsync(alice, id)).GetProperty("refunds").EnumerateArray()
            .Any(r => r.GetProperty("id").GetString() == refundId && r.GetProperty("status").GetString() == "failed"), "the refund failed");
        var refund = Assert.Single(invoice.GetProperty("refunds").EnumerateArray());
        Assert.Equal((bob.UserId, 1000L, "expired_or_canceled_card"),
            (refund.GetProperty("memberId").GetString(), refund.GetProperty("amount").GetInt64(), refund.GetProperty("failureReason").GetString()));
        var share = ShareOf(invoice, bob);
        var stripe = store.Stripe.CreateClient();
        var charge = (await stripe.V1.PaymentIntents.GetAsync(bobsIntent, new global::Stripe.PaymentIntentGetOptions { Expand = ["latest_charge"] })).LatestCharge;
        Assert.Equal((0L, 0L, 0L), (charge.AmountRefunded, share.GetProperty("amountRefunded").GetInt64(), share.GetProperty("amountRefundPending").GetInt64()));
        var refunds = await stripe.V1.Refunds.ListAsync(new global::Stripe.RefundListOptions { PaymentIntent = bobsIntent });
        Assert.Equal([(refundId, "failed")], refunds.Data.Select(r => (r.Id, r.Status)));

        // The organiser is told once, however often the events come.
        static int RefundEmails(SmtpSink smtp, Person p) => smtp.To(p.Email).Count(m => m.Subject.Contains("refund", StringComparison.OrdinalIgnoreCase));
        await HttpAssert.EventuallyAsync(() => Task.FromResult(RefundEmails(store.Smtp, alice) >= 1), "the organiser's email");
        await store.FlushAsync();
        await HttpAssert.EventuallyAsync(async () => (await Host.Get<InboxStore>().ListAsync(InboxStatus.Received, 10, default)).Count == 0, "events handled");
        Assert.Equal(1, RefundEmails(store.Smtp, alice));
        Assert.Equal(0, RefundEmails(store.Smtp, bob));

        // The 10.00 is refundable again: all of Bob's 55.00 share can be asked for.
        var again = await HttpAssert.JsonAsync(
            await PostKeyedAsync(alice, $"/api/invoices/{id}/refunds", new { memberId = bob.UserId, amount = 5500 }), HttpStatusCode.Created);
        Assert.Equal(5500, again.GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task When_Stripe_fails_during_the_captures_the_payment_stands_and_the_sweep_finishes_the_funding()
    {
        var (id, alice, _, carol) = await AllButCarolPaidAsync("split");

        await HoldEventsAsync();
        try
        {
            // Stripe answers 500 to the first capture, to Stripe.net's retry and to each of the key's next generations:
            // the last payment is authorized all the same.
            await store.Stripe.FailNextAsync("POST", "/v1/payment_intents/pi_", 500, 2 * Payments.Core.Stripe.KeyedStripeCall.MaxTriesPerCall);
            var last = await HttpAssert.JsonAsync(await PayAsync(carol, id, carol.UserId, await carol.SaveCardAsync()), HttpStatusCode.Created);
            Assert.Equal(("authorized", "checked_out"), (last.GetProperty("shareStatus").GetString(), last.GetProperty("invoiceStatus").GetString()));
            (await store.Stripe.Control.DeleteAsync("/_emulator/faults")).EnsureSuccessStatusCode();

            using var admin = Host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
            var swept = await HttpAssert.JsonAsync(await admin.PostAsync("/api/invoices/deadline-sweep", null), HttpStatusCode.OK);
            Assert.True(swept.GetProperty("fundingTried").GetInt32() >= 1);
        }
        finally
        {
            await store.Stripe.Control.DeleteAsync("/_emulator/faults");
            await NormalDeliveryAsync();
        }
        var funded = await FundedAsync(alice, id);
        Assert.All(funded.GetProperty("shares").EnumerateArray(), s => Assert.Equal("captured", s.GetProperty("status").GetString()));
        await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(alice.Email).Count == 1), "the organiser's email");
    }
}

/// <summary>Through Payments.Host.</summary>
[Collection(StoreTestGroup.Name)]
public sealed class GroupInvoicesThroughTheHost(StoreFixture fixture) : GroupInvoiceTests(fixture);

/// <summary>Through Payments.Functions under the real worker.</summary>
[Collection(FunctionsStoreTestGroup.Name)]
public sealed class GroupInvoicesThroughFunctions(FunctionsStoreFixture fixture) : GroupInvoiceTests(fixture);

/// <summary>
/// The deadline sweep over tables of its own (so it sees only this test's invoices) and a shifted
/// clock; the Functions timer that runs the same sweep is invoked in FunctionsDoorTests.
/// </summary>
[Collection(StoreTestGroup.Name)]
public sealed class InvoiceDeadlineTests(StoreFixture store)
{
    [Fact]
    public async Task At_the_deadline_the_sweep_voids_every_hold_expires_the_invoice_and_emails_each_member_once()
    {
        // Its own tables, so the sweep sees only this test's invoices.
        await using var host = await PaymentsHostServer.StartAsync(store.Azurite.ConnectionString, store.Stripe.BaseUrl,
            $"Storage:NamePrefix=inv{Guid.NewGuid().ToString("n")[..8]}", $"Email:SmtpPort={store.Smtp.Port}", "Invoices:DeadlineSweepEnabled=false");
        var (id, alice, bob, carol) = await GoldenInvoiceAsync(host);
        await CheckOutAsync(alice, id, "split");
        var aliceIntent = (await HttpAssert.JsonAsync(await PayAsync(alice, id, alice.UserId, await alice.SaveCardAsync()), HttpStatusCode.Created))
            .GetProperty("payment").GetProperty("paymentIntentId").GetString()!;
        var bobIntent = (await HttpAssert.JsonAsync(await PayAsync(bob, id, bob.UserId, await bob.SaveCardAsync()), HttpStatusCode.Created))
            .GetProperty("payment").GetProperty("paymentIntentId").GetString()!;
        var open = (await HttpAssert.JsonAsync(await carol.Client.PostAsJsonAsync("/api/invoices", new { title = "not due" }), HttpStatusCode.Created)).GetProperty("id").GetString()!;

        using var admin = host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        Assert.Equal(0, (await HttpAssert.JsonAsync(await admin.PostAsync("/api/invoices/deadline-sweep", null), HttpStatusCode.OK)).GetProperty("due").GetInt32());

        var sweep = new InvoiceDeadlineSweep(host.Get<InvoiceStore>(), host.Get<InvoiceClosing>(), host.Get<InvoiceFunding>(), host.Get<InvoicePaypalCalls>(), new ShiftedClock { Offset = TimeSpan.FromDays(5) + TimeSpan.FromMinutes(1) },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<InvoiceDeadlineSweep>.Instance);
        Assert.Equal(new InvoiceSweepResult(2, 2, 0, 0), await sweep.RunOnceAsync(default));
        Assert.Equal(new InvoiceSweepResult(0, 0, 0, 0), await sweep.RunOnceAsync(default));

        var expired = await GetAsync(alice, id);
        Assert.Equal("expired", expired.GetProperty("status").GetString());
        var stripe = store.Stripe.CreateClient();
        Assert.Equal("canceled", (await stripe.V1.PaymentIntents.GetAsync(aliceIntent)).Status);
        Assert.Equal("canceled", (await stripe.V1.PaymentIntents.GetAsync(bobIntent)).Status);
        Assert.Equal(2, await StripeIntentsAsync(store.Stripe, id, "canceled"));
        Assert.Equal("expired", (await GetAsync(carol, open)).GetProperty("status").GetString());
        // The emails go out through the queue, a moment after the sweep.
        await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(carol.Email).Count == 2), "Carol's two emails");
        await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(alice.Email).Count == 1 && store.Smtp.To(bob.Email).Count == 1), "Alice's and Bob's emails");
        Assert.Single(store.Smtp.To(bob.Email));
        Assert.Equal(2, store.Smtp.To(carol.Email).Count); // one per invoice she is on
        Assert.Single(store.Smtp.To(alice.Email));
        await HttpAssert.ProblemAsync(await PayAsync(carol, id, carol.UserId, await carol.SaveCardAsync()), 409, "invoice_closed");
    }

    [Fact]
    public async Task An_invoice_left_checked_out_by_a_refused_capture_expires_at_its_deadline_and_the_captured_share_is_refunded()
    {
        // Its own tables (the sweep sees only this invoice); the fixture's door gets this Stripe's events and ignores them.
        await using var host = await PaymentsHostServer.StartAsync(store.Azurite.ConnectionString, store.Stripe.BaseUrl,
            $"Storage:NamePrefix=inv{Guid.NewGuid().ToString("n")[..8]}", $"Email:SmtpPort={store.Smtp.Port}", "Invoices:DeadlineSweepEnabled=false");
        var (alice, bob) = (PersonFor(host, "alice"), PersonFor(host, "bob"));
        var id = (await HttpAssert.JsonAsync(await alice.Client.PostAsJsonAsync("/api/invoices", new { title = "Two of us" }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await HttpAssert.JsonAsync(await bob.Client.PostAsync($"/api/invoices/{id}/members", null), HttpStatusCode.Created);
        await SetItemsAsync(alice, id, new { productId = "livestream", quantity = 2 });
        await SetItemsAsync(bob, id, new { productId = "meet-and-greet", quantity = 1 });
        var bobsShare = ShareOf(await CheckOutAsync(alice, id, "split"), bob).GetProperty("amount").GetInt64();
        var alicesIntent = (await HttpAssert.JsonAsync(await PayAsync(alice, id, alice.UserId, await alice.SaveCardAsync()), HttpStatusCode.Created))
            .GetProperty("payment").GetProperty("paymentIntentId").GetString()!;
        (await store.Stripe.Control.PostAsync($"/_emulator/payment_intents/{alicesIntent}/expire_authorization", null)).EnsureSuccessStatusCode();
        var last = await HttpAssert.JsonAsync(await PayAsync(bob, id, bob.UserId, await bob.SaveCardAsync()), HttpStatusCode.Created);
        Assert.Equal(("checked_out", "captured"), (last.GetProperty("invoiceStatus").GetString(), last.GetProperty("shareStatus").GetString()));
        var bobsIntent = last.GetProperty("payment").GetProperty("paymentIntentId").GetString()!;

        var sweep = new InvoiceDeadlineSweep(host.Get<InvoiceStore>(), host.Get<InvoiceClosing>(), host.Get<InvoiceFunding>(), host.Get<InvoicePaypalCalls>(), new ShiftedClock { Offset = TimeSpan.FromDays(5) + TimeSpan.FromMinutes(1) },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<InvoiceDeadlineSweep>.Instance);
        Assert.Equal(new InvoiceSweepResult(1, 1, 0, 0), await sweep.RunOnceAsync(default));
        Assert.Equal(new InvoiceSweepResult(0, 0, 0, 0), await sweep.RunOnceAsync(default));

        var expired = await GetAsync(alice, id);
        Assert.Equal("expired", expired.GetProperty("status").GetString());
        Assert.Equal(("refunded", bobsShare), (ShareOf(expired, bob).GetProperty("status").GetString(), ShareOf(expired, bob).GetProperty("amountRefunded").GetInt64()));
        var refunds = await store.Stripe.CreateClient().V1.Refunds.ListAsync(new global::Stripe.RefundListOptions { PaymentIntent = bobsIntent });
        Assert.Equal([bobsShare], refunds.Data.Select(r => r.Amount));
        var stored = await host.Get<InvoiceStore>().GetAsync(id, default);
        Assert.Equal((InvoiceStatus.Expired, false), (stored.Status, stored.HasEndingWork));
        // The ended emails go out through the queue, a moment after the sweep.
        await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(bob.Email).Count == 1
            && store.Smtp.To(alice.Email).Any(m => m.Subject.Contains("was not paid in full"))), "the ended emails");
        var bobsEmail = Assert.Single(store.Smtp.To(bob.Email));
        Assert.Contains("has been refunded", bobsEmail.Data.Replace("=\r\n", "", StringComparison.Ordinal));
        Assert.Contains(store.Smtp.To(alice.Email), m => m.Subject.Contains("was not paid in full"));
    }
}
