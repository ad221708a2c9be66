using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Payments.Core.Purchases;
using Payments.Core.Reconciliation;
using Payments.Core.Storage;
using Payments.Tests.Infrastructure;
using Payments.Tests.Purchases;
using Microsoft.Extensions.DependencyInjection;
using Stripe;
using Xunit;
using static Payments.Tests.Invoices.InvoiceTestKit;
using static Payments.Tests.Purchases.PurchaseTestKit;

namespace Payments.Tests.Reconciliation;

[CollectionDefinition(Name)]
public sealed class ReconciliationTestGroup : ICollectionFixture<PaymentsFixture>
{
    public const string Name = "reconciliation";
}

/// <summary>
/// The reconciler through the Host, against Azurite and the emulator over the real client. Each test has a
/// Host of its own with its own table prefix, so a run sees only that test's purchases and invoices; the
/// emulator has no webhook endpoint here, so what a test does to Stripe behind our back stays unknown to us.
/// </summary>
[Collection(ReconciliationTestGroup.Name)]
public sealed class ReconcilerTests(PaymentsFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private Task<PaymentsHostServer> HostAsync(params string[] settings) => HostAsync(null, settings);

    /// <param name="clock">The Host's clock, when the test moves time (the window is measured on it).</param>
    private Task<PaymentsHostServer> HostAsync(TimeProvider? clock, params string[] settings) =>
        PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            services => { if (clock is not null) services.AddSingleton(clock); },
            [$"Storage:NamePrefix=rec{Guid.NewGuid().ToString("n")[..8]}", "Invoices:DeadlineSweepEnabled=false", .. settings]);

    private static async Task<ReconciliationSummary> RunAsync(IPaymentsDoor host)
    {
        using var admin = host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        var body = await HttpAssert.JsonAsync(await admin.PostAsync("/api/reconciliation/runs", null), HttpStatusCode.OK);
        return body.Deserialize<ReconciliationSummary>(Json)!;
    }

    private static async Task<JsonElement[]> FindingsAsync(IPaymentsDoor host, string status)
    {
        using var admin = host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        var page = await HttpAssert.JsonAsync(await admin.GetAsync($"/api/reconciliation/findings?status={status}&limit=100"), HttpStatusCode.OK);
        return page.GetProperty("data").EnumerateArray().ToArray();
    }

    private static JsonElement Single(JsonElement[] findings, string kind) => Assert.Single(findings, f => f.GetProperty("kind").GetString() == kind);

    private static (string Ours, string Stripe) Figures(JsonElement finding) =>
        (finding.GetProperty("ours").GetString()!, finding.GetProperty("stripe").GetString()!);

    [Fact]
    public async Task A_clean_purchase_with_a_refund_and_a_clean_funded_invoice_give_no_findings()
    {
        await using var host = await HostAsync();
        var (client, cardId, _) = await UserWithCardAsync(host, PaymentsFixture.NewUserId());
        var bought = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }), HttpStatusCode.Created);
        using (var admin = host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin"))
            await HttpAssert.JsonAsync(await PostKeyedAsync(admin, $"/api/purchases/{bought.Id()}/refunds", new { amount = 1000 }, Guid.NewGuid().ToString()), HttpStatusCode.Created);
        var (invoiceId, alice, _, _) = await GoldenInvoiceAsync(host);
        await CheckOutAsync(alice, invoiceId, "organiser");
        await HttpAssert.JsonAsync(await PayAsync(alice, invoiceId, alice.UserId, await alice.SaveCardAsync()), HttpStatusCode.Created);
        await FundedAsync(alice, invoiceId);

        var run = await RunAsync(host);

        Assert.Equal((2, 0, 0, 0, 0, 0, true), (run.Checked, run.Opened, run.Repaired, run.StillOpen, run.Resolved, run.Failed, run.Complete));
        Assert.Empty(await FindingsAsync(host, "open"));
        Assert.Empty(await FindingsAsync(host, "resolved"));
    }

    [Fact]
    public async Task A_capture_behind_our_back_is_found_and_repaired_from_Stripe_and_a_rerun_opens_nothing()
    {
        await using var host = await HostAsync();
        var (client, cardId, _) = await UserWithCardAsync(host, PaymentsFixture.NewUserId());
        var held = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId, captureMethod = "manual" }), HttpStatusCode.Created);
        var total = held.GetProperty("total").GetInt64();
        await fixture.Stripe.CreateClient().V1.PaymentIntents.CaptureAsync(held.GetProperty("paymentIntentId").GetString()!);

        var first = await RunAsync(host);

        Assert.Equal((1, 2, 2, 0, 0), (first.Checked, first.Opened, first.Repaired, first.StillOpen, first.Failed));
        var resolved = await FindingsAsync(host, "resolved");
        Assert.Equal((total.ToString(), "0"), Figures(Single(resolved, FindingKinds.HeldDiffers)));
        var captured = Single(resolved, FindingKinds.CapturedDiffers);
        Assert.Equal(("0", total.ToString()), Figures(captured));
        Assert.Equal(("purchase", held.Id(), FindingKinds.ApplyIntent), (captured.GetProperty("objectType").GetString(), captured.GetProperty("objectId").GetString(), captured.GetProperty("repairedBy").GetString()));
        Assert.Empty(await FindingsAsync(host, "open"));
        using (var admin = host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin"))
        {
            var purchase = await HttpAssert.JsonAsync(await admin.GetAsync($"/api/purchases/{held.Id()}"), HttpStatusCode.OK);
            Assert.Equal(("succeeded", total), (purchase.GetProperty("status").GetString(), purchase.GetProperty("amountCaptured").GetInt64()));
        }

        var second = await RunAsync(host);
        Assert.Equal((1, 0, 0, 0), (second.Checked, second.Opened, second.Repaired, second.StillOpen));
        Assert.Equal(2, (await FindingsAsync(host, "resolved")).Length);
    }

    [Fact]
    public async Task A_refund_made_in_Stripe_is_counted_and_recorded_and_once_resolved_the_purchase_leaves_the_runs_with_the_window()
    {
        var clock = new ShiftedClock();
        await using var host = await HostAsync(clock);
        var (client, cardId, _) = await UserWithCardAsync(host, PaymentsFixture.NewUserId());
        var bought = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }), HttpStatusCode.Created);
        var refund = await fixture.Stripe.CreateClient().V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = bought.GetProperty("paymentIntentId").GetString(), Amount = 1500 });

        var first = await RunAsync(host);

        // The refund sync records a refund made elsewhere (the Dashboard), so both findings go: one repaired, one gone on the second look.
        Assert.Equal((1, 2, 1, 0, 1), (first.Checked, first.Opened, first.Repaired, first.StillOpen, first.Resolved));
        Assert.Equal(("0", "1500"), Figures(Single(await FindingsAsync(host, "resolved"), FindingKinds.RefundedDiffers)));
        var recorded = Single(await FindingsAsync(host, "resolved"), FindingKinds.RefundUnrecorded);
        Assert.Equal((refund.Id, "none", $"{refund.Status} 1500"), (recorded.GetProperty("part").GetString(), recorded.GetProperty("ours").GetString(), recorded.GetProperty("stripe").GetString()));
        var purchase = (await host.Get<PurchaseStore>().FindByIdAsync(bought.Id(), default))!.Purchase;
        Assert.Equal((1500L, "succeeded"), (purchase.AmountRefunded, purchase.Refunds[refund.Id].Status));
        Assert.Empty(await FindingsAsync(host, "open"));

        // Two days on, the purchase is out of the window and has no open finding: nothing is compared.
        clock.Offset = TimeSpan.FromDays(2);
        var second = await RunAsync(host);
        Assert.Equal((0, 0, 0, 0), (second.Checked, second.Opened, second.Repaired, second.StillOpen));
    }

    [Fact]
    public async Task PayPal_purchases_are_compared_with_PayPal_a_refund_and_a_void_behind_our_back_are_found_and_repaired_from_the_order()
    {
        await using var host = await HostAsync([.. DoorFixture.PaypalSettings(fixture.Paypal)]);
        using var client = host.ClientFor(PaymentsFixture.NewUserId());
        var paid = await PaypalTestKit.ApproveAndCompleteAsync(fixture, client, await PaypalTestKit.BuyWithPaypalAsync(client, GoldenCart));
        var held = await PaypalTestKit.ApproveAndCompleteAsync(fixture, client, await PaypalTestKit.BuyWithPaypalAsync(client, GoldenCart, "manual"));
        Assert.Equal(("succeeded", "authorized"), (paid.GetProperty("status").GetString(), held.GetProperty("status").GetString()));

        // As PayPal has them: nothing differs (the held authorization, the capture).
        var clean = await RunAsync(host);
        Assert.Equal((2, 0, 0, 0, 0), (clean.Checked, clean.Opened, clean.StillOpen, clean.Failed, clean.Resolved));

        // In PayPal's dashboard, behind our back (no webhooks here): 15.00 refunded of the capture, the authorization voided.
        var order = (await PaypalTestKit.PaypalOrderAsync(fixture.Paypal, paid.OrderId())).Payments();
        var refundId = (await PaypalPostAsync($"v2/payments/captures/{order.GetProperty("captures")[0].GetProperty("id").GetString()}/refund",
            new { amount = new { currency_code = "USD", value = "15.00" } })).GetProperty("id").GetString()!;
        var authorizationId = (await PaypalTestKit.PaypalOrderAsync(fixture.Paypal, held.OrderId())).Payments().GetProperty("authorizations")[0].GetProperty("id").GetString()!;
        await PaypalPostAsync($"v2/payments/authorizations/{authorizationId}/void", new { });

        var run = await RunAsync(host);

        // Found: what is refunded (ours 0, PayPal's 1500) and the refund we never made; what is held (ours 19200, PayPal's 0).
        // The order applied through the purchases' own PayPal path repairs the figures; the refund, recorded by it, is gone on the second look.
        Assert.Equal((2, 3, 2, 0, 1, 0), (run.Checked, run.Opened, run.Repaired, run.StillOpen, run.Resolved, run.Failed));
        var resolved = await FindingsAsync(host, "resolved");
        var refunded = Single(resolved, FindingKinds.RefundedDiffers);
        Assert.Equal(("0", "1500", paid.Id(), FindingKinds.ApplyIntent), (refunded.GetProperty("ours").GetString(), refunded.GetProperty("stripe").GetString(),
            refunded.GetProperty("objectId").GetString(), refunded.GetProperty("repairedBy").GetString()));
        Assert.Equal(refundId, Single(resolved, FindingKinds.RefundUnrecorded).GetProperty("part").GetString());
        var voided = Single(resolved, FindingKinds.HeldDiffers);
        Assert.Equal(("19200", "0", held.Id()), (voided.GetProperty("ours").GetString(), voided.GetProperty("stripe").GetString(), voided.GetProperty("objectId").GetString()));
        Assert.Empty(await FindingsAsync(host, "open"));
        var store = host.Get<PurchaseStore>();
        var repaired = (await store.FindByIdAsync(paid.Id(), default))!.Purchase;
        Assert.Equal((PurchaseStatus.PartiallyRefunded, 1500L, "succeeded"), (repaired.Status, repaired.AmountRefunded, repaired.Refunds[refundId].Status));
        var canceled = (await store.FindByIdAsync(held.Id(), default))!.Purchase;
        Assert.Equal((PurchaseStatus.Canceled, 19200L, 0L), (canceled.Status, canceled.AmountReleased, canceled.AmountCaptured));

        var again = await RunAsync(host);
        Assert.Equal((2, 0, 0, 0), (again.Checked, again.Opened, again.Repaired, again.StillOpen));
    }

    /// <summary>A POST to PayPal's API (the emulator) as the merchant's dashboard would make it, outside our app.</summary>
    private async Task<JsonElement> PaypalPostAsync(string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", await fixture.Paypal.GetAccessTokenAsync());
        request.Headers.Add("PayPal-Request-Id", Guid.NewGuid().ToString());
        request.Headers.Add("Prefer", "return=representation");
        using var response = await fixture.Paypal.Control.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task A_refund_Stripe_failed_after_we_recorded_it_pending_takes_Stripes_status()
    {
        await using var host = await HostAsync();
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(host, user, "pm_card_refundFail");
        var bought = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }), HttpStatusCode.Created);
        using var admin = host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        var refunded = await HttpAssert.JsonAsync(await PostKeyedAsync(admin, $"/api/purchases/{bought.Id()}/refunds", new { amount = 1000 }, Guid.NewGuid().ToString()), HttpStatusCode.Created);
        var refundId = refunded.GetProperty("refundId").GetString()!;
        Assert.Equal("pending", refunded.GetProperty("status").GetString());
        // The emulator fails a pm_card_refundFail refund before the next /v1 request it handles.
        var listed = await fixture.Stripe.CreateClient().V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = bought.GetProperty("paymentIntentId").GetString() });
        Assert.Equal("failed", Assert.Single(listed.Data, r => r.Id == refundId).Status);
        // Our record still says pending, as when the refund.failed event was lost and no request read the refunds since.
        await RecordRefundAsPendingAsync(host, user, refundId);

        var first = await RunAsync(host);

        var status = Single(await FindingsAsync(host, "resolved"), FindingKinds.RefundStatus);
        Assert.Equal((refundId, "pending", "failed", FindingKinds.RefreshRefund),
            (status.GetProperty("part").GetString(), status.GetProperty("ours").GetString(), status.GetProperty("stripe").GetString(), status.GetProperty("repairedBy").GetString()));
        Assert.DoesNotContain(await FindingsAsync(host, "open"), f => f.GetProperty("kind").GetString() == FindingKinds.RefundStatus);
        var purchase = (await host.Get<PurchaseStore>().FindByIdAsync(bought.Id(), default))!.Purchase;
        Assert.Equal(("failed", 0L, 0L, true), (purchase.Refunds[refundId].Status, purchase.AmountRefunded, purchase.AmountRefundPending, purchase.HasFailedRefund));
        var second = await RunAsync(host);
        Assert.Equal((0, 0), (second.Opened, second.Repaired));
        Assert.Equal(first.StillOpen, second.StillOpen);
    }

    /// <summary>Writes the purchase row back to "pending" for this refund, as a runner that read it before it failed would have left it.</summary>
    private static async Task RecordRefundAsPendingAsync(IPaymentsDoor host, string user, string refundId)
    {
        var table = host.Get<PaymentsStorage>().Table(TableNames.Purchases);
        await foreach (var row in table.QueryAsync<TableEntity>(r => r.PartitionKey == user))
        {
            if (row.GetString("Refunds") is not { } refunds || !refunds.Contains(refundId, StringComparison.Ordinal))
                continue;
            var node = System.Text.Json.Nodes.JsonNode.Parse(refunds)!;
            node[refundId]!["status"] = "pending";
            node[refundId]!["failureReason"] = null;
            row["Refunds"] = node.ToJsonString();
            row["HasFailedRefund"] = false;
            await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
            return;
        }
        Assert.Fail($"no purchase row of {user} records {refundId}");
    }

    [Fact]
    public async Task A_hold_left_on_a_canceled_invoice_by_a_failed_void_is_voided_and_resolved()
    {
        await using var host = await HostAsync();
        var (invoiceId, alice, _, _) = await GoldenInvoiceAsync(host);
        var checkedOut = await CheckOutAsync(alice, invoiceId, "split");
        var share = ShareOf(checkedOut, alice).GetProperty("amount").GetInt64();
        var paid = await HttpAssert.JsonAsync(await PayAsync(alice, invoiceId, alice.UserId, await alice.SaveCardAsync()), HttpStatusCode.Created);
        var payment = paid.GetProperty("payment");
        var intentId = payment.GetProperty("paymentIntentId").GetString()!;
        // Every try to void the hold fails, as in a Stripe outage: the invoice is canceled, the money stays held.
        await fixture.Stripe.FaultAsync(new { method = "POST", pathPrefix = $"/v1/payment_intents/{intentId}/cancel", status = 500, count = 50 });
        var canceling = await alice.Client.PostAsync($"/api/invoices/{invoiceId}/cancel", null);
        (await fixture.Stripe.Control.DeleteAsync("/_emulator/faults")).EnsureSuccessStatusCode();
        // Cancel answers that the ending is under way (202); the sweep would finish it, and so does the reconciler.
        Assert.Equal(HttpStatusCode.Accepted, canceling.StatusCode);
        Assert.Equal("ending", (await GetAsync(alice, invoiceId)).GetProperty("status").GetString());
        var stripe = fixture.Stripe.CreateClient();
        Assert.Equal("requires_capture", (await stripe.V1.PaymentIntents.GetAsync(intentId)).Status);

        var first = await RunAsync(host);

        Assert.Equal((1, 1, 1, 0, 0), (first.Checked, first.Opened, first.Repaired, first.StillOpen, first.Failed));
        Assert.Equal("canceled", (await stripe.V1.PaymentIntents.GetAsync(intentId)).Status);
        var finding = Single(await FindingsAsync(host, "resolved"), FindingKinds.HeldOnEndedInvoice);
        Assert.Equal(("0", share.ToString()), Figures(finding));
        Assert.Equal(("invoice", invoiceId, payment.GetProperty("id").GetString(), FindingKinds.FinishEnding),
            (finding.GetProperty("objectType").GetString(), finding.GetProperty("objectId").GetString(), finding.GetProperty("part").GetString(), finding.GetProperty("repairedBy").GetString()));
        var ended = await GetAsync(alice, invoiceId);
        Assert.Equal("canceled", ended.GetProperty("status").GetString());
        Assert.Equal("canceled", Assert.Single(ended.GetProperty("payments").EnumerateArray()).GetProperty("status").GetString());

        var second = await RunAsync(host);
        Assert.Equal((1, 0, 0, 0), (second.Checked, second.Opened, second.Repaired, second.StillOpen));
        Assert.Empty(await FindingsAsync(host, "open"));
    }

    [Fact]
    public async Task A_run_stops_at_its_page_limit_and_the_next_run_resumes_from_the_cursor()
    {
        await using var host = await HostAsync("Reconciliation:PageSize=1", "Reconciliation:MaxPagesPerRun=1");
        var (client, cardId, _) = await UserWithCardAsync(host, PaymentsFixture.NewUserId());
        for (var i = 0; i < 2; i++)
            await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }), HttpStatusCode.Created);

        var first = await RunAsync(host);
        Assert.False(first.Complete);
        Assert.Equal(1, first.Checked);

        var runs = new List<ReconciliationSummary> { first };
        while (!runs[^1].Complete && runs.Count < 5)
            runs.Add(await RunAsync(host));
        Assert.True(runs[^1].Complete);
        Assert.Equal(2, runs.Sum(r => r.Checked));
    }

    [Fact]
    public async Task The_admin_routes_need_an_admin()
    {
        await using var host = await HostAsync();
        using var anonymous = ((IPaymentsDoor)host).NewClient();
        using var member = host.ClientFor(PaymentsFixture.NewUserId());

        await HttpAssert.ProblemAsync(await anonymous.PostAsync("/api/reconciliation/runs", null), 401, "unauthenticated");
        await HttpAssert.ProblemAsync(await anonymous.GetAsync("/api/reconciliation/findings"), 401, "unauthenticated");
        await HttpAssert.ProblemAsync(await member.PostAsync("/api/reconciliation/runs", null), 403, "forbidden");
        await HttpAssert.ProblemAsync(await member.GetAsync("/api/reconciliation/findings"), 403, "forbidden");
        using var admin = host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        await HttpAssert.ProblemAsync(await admin.GetAsync("/api/reconciliation/findings?status=closed"), 400, "validation_failed", "status");
        var page = await HttpAssert.JsonAsync(await admin.GetAsync("/api/reconciliation/findings"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Array, page.GetProperty("data").ValueKind);
    }
}
