using System.Net;
using System.Text;
using Xunit;

namespace Payments.StandIns.Tests.PaypalEmulator;

public sealed class OrderTests : PaypalTest
{
    [Fact]
    public async Task An_order_with_payment_source_paypal_waits_for_the_payer_at_the_payer_action_link_and_minimal_is_id_status_links()
    {
        var created = await PostAsync("/v2/checkout/orders", new
        {
            intent = "CAPTURE",
            purchase_units = new[] { Unit("25.00") },
            payment_source = new { paypal = new { experience_context = new { return_url = "https://shop.example/r", cancel_url = "https://shop.example/c" } } },
        }, Guid.NewGuid().ToString(), representation: false);

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Matches("^[0-9A-Z]{17}$", created.Id);
        Assert.Equal("PAYER_ACTION_REQUIRED", created.Body.GetProperty("status").GetString());
        Assert.Equal(["id", "status", "links"], created.Body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(new Uri(Server.BaseUrl, $"checkoutnow?token={created.Id}").ToString(), created.Link("payer-action"));
        Assert.Null(created.Link("approve"));
        Assert.Null(created.Link("capture"));

        var shown = await GetAsync($"/v2/checkout/orders/{created.Id}");
        Assert.Equal("25.00 USD", Money(shown.Body.GetProperty("purchase_units")[0].GetProperty("amount")));
        Assert.Equal("default", shown.Body.GetProperty("purchase_units")[0].GetProperty("reference_id").GetString());
    }

    [Fact]
    public async Task An_order_without_payment_source_is_CREATED_with_approve_update_and_capture_links()
    {
        var created = await PostAsync("/v2/checkout/orders", new { intent = "CAPTURE", purchase_units = new[] { Unit() } });

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal("CREATED", created.Body.GetProperty("status").GetString());
        Assert.NotNull(created.Link("approve"));
        Assert.NotNull(created.Link("update"));
        Assert.EndsWith($"/v2/checkout/orders/{created.Id}/capture", created.Link("capture"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Creating_with_payment_source_needs_a_PayPal_Request_Id()
    {
        var response = await PostAsync("/v2/checkout/orders", new
        {
            intent = "CAPTURE",
            purchase_units = new[] { Unit() },
            payment_source = new { paypal = new { } },
        });

        AssertError(response, HttpStatusCode.BadRequest, "INVALID_REQUEST", "PAYPAL_REQUEST_ID_REQUIRED");
    }

    [Fact]
    public async Task A_post_without_a_json_content_type_is_415_and_a_broken_body_MALFORMED_REQUEST_JSON()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v2/checkout/orders/5O190127TN364715T/capture");
        var noType = await SendAsync(request);
        AssertError(noType, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");

        var broken = await PostAsync("/v2/checkout/orders", rawBody: "{\"intent\":");
        AssertError(broken, HttpStatusCode.BadRequest, "INVALID_REQUEST", "MALFORMED_REQUEST_JSON");
    }

    [Fact]
    public async Task Missing_and_invalid_fields_are_400_with_json_pointers()
    {
        var response = await PostAsync("/v2/checkout/orders", new { intent = "SALE", purchase_units = new[] { new { reference_id = "a", amount = new { currency_code = "USD" } } } });

        AssertError(response, HttpStatusCode.BadRequest, "INVALID_REQUEST", "INVALID_PARAMETER_VALUE", "/intent");
        AssertError(response, HttpStatusCode.BadRequest, "INVALID_REQUEST", "MISSING_REQUIRED_PARAMETER", "/purchase_units/@reference_id=='a'/amount/value");
    }

    [Fact]
    public async Task Capture_before_approval_is_ORDER_NOT_APPROVED_then_after_approval_it_completes_once()
    {
        var order = await CreateOrderAsync("10.00");
        var early = await PostAsync($"/v2/checkout/orders/{order.Id}/capture");
        AssertError(early, HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "ORDER_NOT_APPROVED");

        var approval = await Server.ApproveAsync(order.Id);
        Assert.Equal("APPROVED", approval.GetProperty("order").GetProperty("status").GetString());
        var payerId = approval.GetProperty("order").GetProperty("payer").GetProperty("payer_id").GetString();
        Assert.Matches("^[2-9A-HJ-NP-Z]{13}$", payerId);
        Assert.Equal($"https://shop.example/paypal/return?x=1&token={order.Id}&PayerID={payerId}", approval.GetProperty("redirectUrl").GetString());

        var captured = await PostAsync($"/v2/checkout/orders/{order.Id}/capture", requestId: "capture-1");
        Assert.Equal(HttpStatusCode.Created, captured.Status);
        Assert.Equal("COMPLETED", captured.Body.GetProperty("status").GetString());
        var capture = captured.Body.GetProperty("purchase_units")[0].GetProperty("payments").GetProperty("captures")[0];
        Assert.Equal("COMPLETED", capture.GetProperty("status").GetString());
        Assert.True(capture.GetProperty("final_capture").GetBoolean());
        Assert.Equal("inv-1", capture.GetProperty("invoice_id").GetString());
        Assert.Equal("pay-1", capture.GetProperty("custom_id").GetString());
        // 3.49% of 10.00 is 0.349 -> 0.35, plus 0.49: the fee the README documents.
        var breakdown = capture.GetProperty("seller_receivable_breakdown");
        Assert.Equal("10.00 USD", Money(breakdown.GetProperty("gross_amount")));
        Assert.Equal("0.84 USD", Money(breakdown.GetProperty("paypal_fee")));
        Assert.Equal("9.16 USD", Money(breakdown.GetProperty("net_amount")));

        var again = await PostAsync($"/v2/checkout/orders/{order.Id}/capture", requestId: "capture-2");
        AssertError(again, HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "ORDER_ALREADY_CAPTURED");

        var shownCapture = await GetAsync($"/v2/payments/captures/{capture.GetProperty("id").GetString()}");
        Assert.Equal(order.Id, shownCapture.Body.GetProperty("supplementary_data").GetProperty("related_ids").GetProperty("order_id").GetString());
        Assert.Equal(["CHECKOUT.ORDER.APPROVED", "PAYMENT.CAPTURE.COMPLETED"], await EventTypesAsync());
    }

    [Fact]
    public async Task The_wrong_action_for_the_intent_is_ACTION_DOES_NOT_MATCH_INTENT_and_authorize_twice_ORDER_ALREADY_AUTHORIZED()
    {
        var captureOrder = await ApprovedOrderAsync();
        AssertError(await PostAsync($"/v2/checkout/orders/{captureOrder}/authorize"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "ACTION_DOES_NOT_MATCH_INTENT");

        var authorizeOrder = await ApprovedOrderAsync(intent: "AUTHORIZE");
        AssertError(await PostAsync($"/v2/checkout/orders/{authorizeOrder}/capture"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "ACTION_DOES_NOT_MATCH_INTENT");
        var authorized = await PostAsync($"/v2/checkout/orders/{authorizeOrder}/authorize");
        Assert.Equal(HttpStatusCode.Created, authorized.Status);
        var authorization = authorized.Body.GetProperty("purchase_units")[0].GetProperty("payments").GetProperty("authorizations")[0];
        Assert.Equal("CREATED", authorization.GetProperty("status").GetString());
        AssertError(await PostAsync($"/v2/checkout/orders/{authorizeOrder}/authorize"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "ORDER_ALREADY_AUTHORIZED");
    }

    [Fact]
    public async Task An_order_not_completed_within_three_hours_is_gone()
    {
        var order = await CreateOrderAsync();
        var approved = await ApprovedOrderAsync();
        await AdvanceAsync(TimeSpan.FromHours(3) + TimeSpan.FromSeconds(1));

        AssertError(await GetAsync($"/v2/checkout/orders/{order.Id}"), HttpStatusCode.NotFound, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID");
        AssertError(await PostAsync($"/v2/checkout/orders/{approved}/capture"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "ORDER_EXPIRED");
        using var page = await Server.Control.GetAsync($"checkoutnow?token={order.Id}");
        Assert.Equal(HttpStatusCode.Conflict, page.StatusCode);
    }

    [Fact]
    public async Task An_unknown_order_is_RESOURCE_NOT_FOUND()
    {
        var response = await GetAsync("/v2/checkout/orders/5O190127TN364715T");

        AssertError(response, HttpStatusCode.NotFound, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID");
    }

    [Fact]
    public async Task A_declining_card_answers_INSTRUMENT_DECLINED_until_the_payer_approves_other_funding()
    {
        var orderId = await ApprovedOrderAsync(funding: "card_declined");

        var declined = await PostAsync($"/v2/checkout/orders/{orderId}/capture", requestId: "cap");
        AssertError(declined, HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "INSTRUMENT_DECLINED");
        Assert.Equal("APPROVED", (await GetAsync($"/v2/checkout/orders/{orderId}")).Body.GetProperty("status").GetString());

        await Server.ApproveAsync(orderId, "balance");
        // The failed attempt kept nothing under its request id, so the same id now captures.
        var captured = await PostAsync($"/v2/checkout/orders/{orderId}/capture", requestId: "cap");
        Assert.Equal(HttpStatusCode.Created, captured.Status);
    }

    [Fact]
    public async Task A_capture_held_for_review_is_PENDING_without_a_breakdown_until_completed()
    {
        var capture = await CaptureAsync("20.00", funding: "pending_review");
        Assert.Equal("PENDING", capture.GetProperty("status").GetString());
        Assert.Equal("PENDING_REVIEW", capture.GetProperty("status_details").GetProperty("reason").GetString());
        Assert.False(capture.TryGetProperty("seller_receivable_breakdown", out _));
        var id = capture.GetProperty("id").GetString()!;
        AssertError(await PostAsync($"/v2/payments/captures/{id}/refund"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "PENDING_CAPTURE");

        await Server.CompleteCaptureAsync(id);

        var shown = await GetAsync($"/v2/payments/captures/{id}");
        Assert.Equal("COMPLETED", shown.Body.GetProperty("status").GetString());
        Assert.Equal("20.00 USD", Money(shown.Body.GetProperty("seller_receivable_breakdown").GetProperty("gross_amount")));
        Assert.Equal(["CHECKOUT.ORDER.APPROVED", "PAYMENT.CAPTURE.PENDING", "PAYMENT.CAPTURE.COMPLETED"], await EventTypesAsync());
    }

    [Fact]
    public async Task A_pending_capture_can_be_denied_and_never_becomes_money()
    {
        var capture = await CaptureAsync("20.00", funding: "echeck");
        Assert.Equal("ECHECK", capture.GetProperty("status_details").GetProperty("reason").GetString());

        var denied = await Server.DenyCaptureAsync(capture.GetProperty("id").GetString()!);

        Assert.Equal("DECLINED", denied.GetProperty("status").GetString());
        Assert.Equal("PAYMENT.CAPTURE.DENIED", (await EventTypesAsync()).Last());
        AssertError(await PostAsync($"/v2/payments/captures/{capture.GetProperty("id").GetString()}/refund"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "REFUND_NOT_ALLOWED");
    }

    [Fact]
    public async Task The_body_of_a_capture_may_be_empty_but_not_absent_of_content_type()
    {
        var orderId = await ApprovedOrderAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v2/checkout/orders/{orderId}/capture")
        {
            Content = new StringContent("", Encoding.UTF8, "application/json"),
        };

        var captured = await SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, captured.Status);
        Assert.Equal(["id", "status", "links"], captured.Body.EnumerateObject().Select(p => p.Name));
    }
}
