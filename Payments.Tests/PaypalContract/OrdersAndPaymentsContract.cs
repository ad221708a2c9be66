using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Payments.Core;
using Payments.Core.Paypal;
using Xunit;

namespace Payments.Tests.PaypalContract;

/// <summary>
/// PayPal's Orders v2 and Payments v2 as our client calls them: orders for the payer to approve, capture and authorize,
/// partial captures, voids, reauthorization, refunds in parts, JPY, declines, pending captures, lost answers and the
/// token's renewal. Each test makes its own objects under its own ids.
/// </summary>
[Collection(PaypalContractGroup.Name)]
public sealed class OrdersAndPaymentsContract(PaypalContractFixture paypal)
{
    private PaypalClient Client => paypal.Client;
    private PaypalEmulatorServer Emulator => paypal.Emulator ?? throw new InvalidOperationException("This test needs the emulator.");

    private async Task<(PaypalOrder Order, string OurId)> OrderAsync(Money amount, PaypalIntent intent = PaypalIntent.Capture)
    {
        var ours = paypal.NewId("pur");
        var order = await Client.CreateOrderAsync(
            new PaypalOrderRequest(intent, [new PaypalPurchaseUnitRequest(ours, amount, CustomId: ours, InvoiceId: ours, Description: "Contract test")],
                "https://shop.example.com/paypal/return", "https://shop.example.com/paypal/cancel", BrandName: "Payments contract"),
            PaypalRequestId.PurchaseOrder(ours), default);
        return (order, ours);
    }

    private async Task<PaypalOrder> ApprovedAsync(Money amount, PaypalIntent intent = PaypalIntent.Capture, string funding = "balance")
    {
        var (order, _) = await OrderAsync(amount, intent);
        await Emulator.ApproveAsync(order.Id, funding);
        var approved = await Client.GetOrderAsync(order.Id, default);
        Assert.Equal(PaypalOrderStatus.Approved, approved.Status);
        return approved;
    }

    [SandboxFact]
    public async Task Our_sandbox_credentials_get_a_token_and_make_an_order()
    {
        var (order, _) = await OrderAsync(new Money(100, "USD"));
        Assert.Equal(PaypalOrderStatus.PayerActionRequired, order.Status);
    }

    [Fact]
    public async Task An_order_waits_for_the_payer_at_its_approve_link_and_carries_our_ids_and_amount()
    {
        var (order, ours) = await OrderAsync(new Money(1099, "USD"));

        Assert.Equal(PaypalOrderStatus.PayerActionRequired, order.Status);
        Assert.True(PaypalOrderStatus.AwaitsPayer(order.Status));
        Assert.Contains($"token={order.Id}", order.ApproveUrl, StringComparison.Ordinal);
        var unit = Assert.Single(order.PurchaseUnits);
        Assert.Equal((ours, ours, ours, new Money(1099, "USD")), (unit.ReferenceId, unit.CustomId, unit.InvoiceId, unit.Amount));

        var read = await Client.GetOrderAsync(order.Id, default);
        Assert.Equal((order.Id, PaypalOrderStatus.PayerActionRequired, "CAPTURE", new Money(1099, "USD")), (read.Id, read.Status, read.Intent, read.PurchaseUnits[0].Amount));
    }

    [Fact]
    public async Task The_same_request_id_gets_the_same_order_however_often_it_is_sent()
    {
        var ours = paypal.NewId("pur");
        var request = new PaypalOrderRequest(PaypalIntent.Capture, [new PaypalPurchaseUnitRequest(ours, new Money(2500, "EUR"))],
            "https://shop.example.com/r", "https://shop.example.com/c");

        var first = await Client.CreateOrderAsync(request, PaypalRequestId.PurchaseOrder(ours), default);
        var again = await Client.CreateOrderAsync(request, PaypalRequestId.PurchaseOrder(ours), default);
        var other = await Client.CreateOrderAsync(request, PaypalRequestId.PurchaseOrder(ours + "b"), default);

        Assert.Equal(first.Id, again.Id);
        Assert.NotEqual(first.Id, other.Id);
    }

    [Fact]
    public async Task An_answer_lost_after_PayPal_acted_is_retried_under_the_same_request_id_and_makes_one_order()
    {
        var lose = new StrongBox<bool>(true);
        PaypalContractFixture.LoseNextAnswer.Value = lose;
        var (order, ours) = await OrderAsync(new Money(1500, "JPY"));
        PaypalContractFixture.LoseNextAnswer.Value = null;

        Assert.False(lose.Value); // the first answer was dropped
        var replayed = await Client.CreateOrderAsync(
            new PaypalOrderRequest(PaypalIntent.Capture, [new PaypalPurchaseUnitRequest(ours, new Money(1500, "JPY"), CustomId: ours, InvoiceId: ours, Description: "Contract test")],
                "https://shop.example.com/paypal/return", "https://shop.example.com/paypal/cancel", BrandName: "Payments contract"),
            PaypalRequestId.PurchaseOrder(ours), default);
        Assert.Equal(order.Id, replayed.Id);
        if (paypal.Emulator is { } emulator)
        {
            // The dropped try made the order; its retry and the replay were answered from the request id.
            var creates = (await emulator.RequestsAsync())
                .Where(r => r.GetProperty("paypalRequestId").GetString()?.EndsWith(PaypalRequestId.PurchaseOrder(ours).Value, StringComparison.Ordinal) == true)
                .Select(r => r.GetProperty("replayed").GetBoolean()).ToList();
            Assert.Equal([false, true, true], creates);
            var orders = await emulator.Control.GetFromJsonAsync<JsonElement>("_emulator/orders");
            Assert.Single(orders.GetProperty("data").EnumerateArray(), o => o.ToString().Contains(ours, StringComparison.Ordinal));
        }
    }

    [EmulatorFact]
    public async Task A_5xx_after_PayPal_acted_is_retried_and_answered_with_the_first_effect()
    {
        await Emulator.FaultAsync(new { method = "POST", pathPrefix = "/v2/checkout/orders", status = 503, count = 1, when = "after" });

        var (order, ours) = await OrderAsync(new Money(4200, "USD"));

        var orders = await Emulator.Control.GetFromJsonAsync<JsonElement>("_emulator/orders");
        Assert.Single(orders.GetProperty("data").EnumerateArray(), o => o.ToString().Contains(ours, StringComparison.Ordinal));
        Assert.Equal(PaypalOrderStatus.PayerActionRequired, order.Status);
    }

    [EmulatorFact]
    public async Task An_approved_order_is_captured_then_refunded_in_parts_down_to_nothing()
    {
        var approved = await ApprovedAsync(new Money(10000, "USD"));

        var completed = await Client.CaptureOrderAsync(approved.Id, PaypalRequestId.OrderCapture(approved.Id), default);

        Assert.Equal(PaypalOrderStatus.Completed, completed.Status);
        var capture = Assert.Single(completed.Captures);
        Assert.Equal((PaypalCaptureStatus.Completed, new Money(10000, "USD")), (capture.Status, capture.Amount));
        Assert.True(PaypalCaptureStatus.IsMoney(capture.Status));
        Assert.NotNull(completed.PayerEmail);

        var part = await Client.RefundCaptureAsync(capture.Id, new PaypalRefundRequest(new Money(2550, "USD")), PaypalRequestId.Of("refund", capture.Id, "r1"), default);
        Assert.Equal((PaypalRefundStatus.Completed, new Money(2550, "USD")), (part.Status, part.Amount));
        Assert.Equal(PaypalCaptureStatus.PartiallyRefunded, (await Client.GetCaptureAsync(capture.Id, default)).Status);

        var rest = await Client.RefundCaptureAsync(capture.Id, new PaypalRefundRequest(null), PaypalRequestId.Of("refund", capture.Id, "r2"), default);
        Assert.Equal(new Money(7450, "USD"), rest.Amount);
        var refunded = await Client.GetCaptureAsync(capture.Id, default);
        Assert.Equal((PaypalCaptureStatus.Refunded, approved.Id), (refunded.Status, refunded.OrderId));
        var read = await Client.GetRefundAsync(part.Id, default);
        Assert.Equal((part.Id, PaypalRefundStatus.Completed, new Money(2550, "USD"), capture.Id), (read.Id, read.Status, read.Amount, read.CaptureId));

        var none = await Assert.ThrowsAsync<PaypalException>(() =>
            Client.RefundCaptureAsync(capture.Id, new PaypalRefundRequest(new Money(1, "USD")), PaypalRequestId.Of("refund", capture.Id, "r3"), default));
        Assert.Equal(PaypalErrorCategory.Final, none.Category);
        Assert.Contains(none.Issue, new[] { "CAPTURE_FULLY_REFUNDED", "REFUND_AMOUNT_EXCEEDED" });
        Assert.NotNull(none.DebugId);
    }

    [EmulatorFact]
    public async Task Capturing_twice_replays_under_the_same_id_and_is_already_done_under_another()
    {
        var approved = await ApprovedAsync(new Money(3000, "GBP"));
        var first = await Client.CaptureOrderAsync(approved.Id, PaypalRequestId.OrderCapture(approved.Id), default);

        var replay = await Client.CaptureOrderAsync(approved.Id, PaypalRequestId.OrderCapture(approved.Id), default);
        var other = await Assert.ThrowsAsync<PaypalException>(() => Client.CaptureOrderAsync(approved.Id, PaypalRequestId.Of("order", approved.Id, "capture", "2"), default));

        Assert.Equal(first.Captures.Single().Id, replay.Captures.Single().Id);
        Assert.Equal((PaypalErrorCategory.AlreadyDone, "ORDER_ALREADY_CAPTURED"), (other.Category, other.Issue));
    }

    [EmulatorFact]
    public async Task JPY_goes_to_PayPal_in_whole_yen_and_comes_back_as_our_minor_units()
    {
        var approved = await ApprovedAsync(new Money(1500, "JPY"));
        var captured = await Client.CaptureOrderAsync(approved.Id, PaypalRequestId.OrderCapture(approved.Id), default);
        var capture = captured.Captures.Single();

        var refund = await Client.RefundCaptureAsync(capture.Id, new PaypalRefundRequest(new Money(500, "JPY")), PaypalRequestId.Of("refund", capture.Id, "jpy"), default);

        // The emulator refuses decimals in JPY (DECIMALS_NOT_SUPPORTED) as PayPal does: the order was taken, so its value was whole yen.
        Assert.Equal(new Money(1500, "JPY"), approved.PurchaseUnits[0].Amount);
        Assert.Equal(new Money(1500, "JPY"), capture.Amount);
        Assert.Equal(new Money(500, "JPY"), refund.Amount);
        Assert.Equal(PaypalCaptureStatus.PartiallyRefunded, (await Client.GetCaptureAsync(capture.Id, default)).Status);
    }

    [EmulatorFact]
    public async Task An_authorization_is_captured_in_part_and_the_rest_voided()
    {
        var approved = await ApprovedAsync(new Money(10000, "USD"), PaypalIntent.Authorize);
        var authorized = await Client.AuthorizeOrderAsync(approved.Id, PaypalRequestId.OrderAuthorize(approved.Id), default);
        var authorization = Assert.Single(authorized.Authorizations);
        Assert.Equal((PaypalAuthorizationStatus.Created, new Money(10000, "USD")), (authorization.Status, authorization.Amount));
        Assert.NotNull(authorization.ExpirationTime);

        var capture = await Client.CaptureAuthorizationAsync(authorization.Id, new PaypalAuthorizationCaptureRequest(new Money(6000, "USD"), FinalCapture: false),
            PaypalRequestId.Of("authorization", authorization.Id, "capture", "1"), default);
        Assert.Equal((PaypalCaptureStatus.Completed, new Money(6000, "USD"), authorization.Id), (capture.Status, capture.Amount, capture.AuthorizationId));
        Assert.Equal(PaypalAuthorizationStatus.PartiallyCaptured, (await Client.GetAuthorizationAsync(authorization.Id, default)).Status);

        var voided = await Client.VoidAuthorizationAsync(authorization.Id, PaypalRequestId.Of("authorization", authorization.Id, "void"), default);
        Assert.Equal(PaypalAuthorizationStatus.Voided, voided.Status);

        var again = await Assert.ThrowsAsync<PaypalException>(() => Client.VoidAuthorizationAsync(authorization.Id, PaypalRequestId.Of("authorization", authorization.Id, "void"), default));
        Assert.Equal((PaypalErrorCategory.AlreadyDone, "PREVIOUSLY_VOIDED"), (again.Category, again.Issue));
        var late = await Assert.ThrowsAsync<PaypalException>(() => Client.CaptureAuthorizationAsync(authorization.Id,
            new PaypalAuthorizationCaptureRequest(new Money(1000, "USD"), FinalCapture: true), PaypalRequestId.Of("authorization", authorization.Id, "capture", "2"), default));
        Assert.Equal((PaypalErrorCategory.Final, "AUTHORIZATION_VOIDED"), (late.Category, late.Issue));
    }

    [EmulatorFact]
    public async Task An_authorization_past_its_honor_period_is_reauthorized_once_and_one_past_29_days_cannot_be_captured()
    {
        var first = await ApprovedAsync(new Money(5000, "EUR"), PaypalIntent.Authorize);
        var second = await ApprovedAsync(new Money(7000, "EUR"), PaypalIntent.Authorize);
        var kept = (await Client.AuthorizeOrderAsync(first.Id, PaypalRequestId.OrderAuthorize(first.Id), default)).Authorizations.Single();
        var lapsing = (await Client.AuthorizeOrderAsync(second.Id, PaypalRequestId.OrderAuthorize(second.Id), default)).Authorizations.Single();

        await Emulator.AdvanceClockAsync(TimeSpan.FromDays(4));
        var renewed = await Client.ReauthorizeAsync(kept.Id, null, PaypalRequestId.Of("authorization", kept.Id, "reauthorize"), default);
        Assert.NotEqual(kept.Id, renewed.Id);
        Assert.Equal((PaypalAuthorizationStatus.Created, new Money(5000, "EUR")), (renewed.Status, renewed.Amount));

        // 30 days on: the token the client holds has expired on PayPal's clock too, and is renewed on the way.
        await Emulator.AdvanceClockAsync(TimeSpan.FromDays(26));
        var expired = await Assert.ThrowsAsync<PaypalException>(() => Client.CaptureAuthorizationAsync(lapsing.Id,
            new PaypalAuthorizationCaptureRequest(null, FinalCapture: true), PaypalRequestId.Of("authorization", lapsing.Id, "capture"), default));
        Assert.Equal(PaypalErrorCategory.Final, expired.Category);
        Assert.Contains(expired.Issue, new[] { "AUTHORIZATION_EXPIRED", "AUTHORIZATION_VOIDED" });
    }

    [Fact]
    public async Task A_declined_instrument_sends_the_payer_back_through_PayPals_negative_testing()
    {
        var (order, _) = await OrderAsync(new Money(1200, "USD"));

        PaypalContractFixture.MockApplicationCode.Value = "INSTRUMENT_DECLINED";
        try
        {
            var declined = await Assert.ThrowsAsync<PaypalException>(() => Client.CaptureOrderAsync(order.Id, PaypalRequestId.OrderCapture(order.Id), default));
            Assert.Equal((PaypalErrorCategory.SendPayerBack, "INSTRUMENT_DECLINED", 422), (declined.Category, declined.Issue, declined.HttpStatus));
            Assert.NotNull(declined.DebugId);
        }
        finally
        {
            PaypalContractFixture.MockApplicationCode.Value = null;
        }
    }

    [EmulatorFact]
    public async Task A_card_the_payer_chose_that_is_declined_leaves_the_order_approved_for_another_choice()
    {
        var approved = await ApprovedAsync(new Money(1800, "USD"), funding: "card_declined");

        var declined = await Assert.ThrowsAsync<PaypalException>(() => Client.CaptureOrderAsync(approved.Id, PaypalRequestId.OrderCapture(approved.Id), default));

        Assert.Equal((PaypalErrorCategory.SendPayerBack, "INSTRUMENT_DECLINED"), (declined.Category, declined.Issue));
        // The payer goes back to the approve link the order was created with (an approved order no longer lists it).
        var order = await Client.GetOrderAsync(approved.Id, default);
        Assert.Equal(PaypalOrderStatus.Approved, order.Status);
        Assert.Empty(order.Captures);
    }

    [EmulatorFact]
    public async Task A_pending_capture_is_not_money_and_cannot_be_refunded_until_it_completes()
    {
        var approved = await ApprovedAsync(new Money(9900, "USD"), funding: "pending_review");
        var capture = (await Client.CaptureOrderAsync(approved.Id, PaypalRequestId.OrderCapture(approved.Id), default)).Captures.Single();

        Assert.Equal((PaypalCaptureStatus.Pending, "PENDING_REVIEW"), (capture.Status, capture.StatusReason));
        Assert.False(PaypalCaptureStatus.IsMoney(capture.Status));
        var refusal = await Assert.ThrowsAsync<PaypalException>(() =>
            Client.RefundCaptureAsync(capture.Id, new PaypalRefundRequest(null), PaypalRequestId.Of("refund", capture.Id, "pending"), default));
        Assert.Equal((PaypalErrorCategory.Final, "PENDING_CAPTURE"), (refusal.Category, refusal.Issue));

        await Emulator.CompleteCaptureAsync(capture.Id);
        var completed = await Client.GetCaptureAsync(capture.Id, default);
        Assert.True(PaypalCaptureStatus.IsMoney(completed.Status));
    }

    [EmulatorFact]
    public async Task A_token_PayPal_stopped_honouring_is_renewed_once_and_the_call_goes_through()
    {
        var (order, _) = await OrderAsync(new Money(700, "USD"));
        var tokensBefore = (await Emulator.RequestsAsync()).Count(r => r.ToString().Contains("/v1/oauth2/token", StringComparison.Ordinal));

        await Emulator.ExpireTokensAsync();
        var read = await Client.GetOrderAsync(order.Id, default);

        Assert.Equal(order.Id, read.Id);
        var tokensAfter = (await Emulator.RequestsAsync()).Count(r => r.ToString().Contains("/v1/oauth2/token", StringComparison.Ordinal));
        Assert.Equal(tokensBefore + 1, tokensAfter);
    }

    [Fact]
    public async Task An_order_PayPal_never_made_is_not_found()
    {
        var missing = await Assert.ThrowsAsync<PaypalException>(() => Client.GetOrderAsync("0ABCDEFGHIJKLMNOP", default));
        Assert.True(missing.IsNotFound);
        Assert.Equal(PaypalErrorCategory.Final, missing.Category);
    }
}
