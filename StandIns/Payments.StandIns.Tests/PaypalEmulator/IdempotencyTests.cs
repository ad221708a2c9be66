using System.Net;
using Xunit;

namespace Payments.StandIns.Tests.PaypalEmulator;

public sealed class IdempotencyTests : PaypalTest
{
    private static object OrderBody(string value = "10.00") => new
    {
        intent = "CAPTURE",
        purchase_units = new[] { Unit(value) },
        payment_source = new { paypal = new { experience_context = new { return_url = "https://shop.example/r", cancel_url = "https://shop.example/c" } } },
    };

    [Fact]
    public async Task A_repeated_create_answers_200_with_the_first_orders_latest_state()
    {
        var first = await PostAsync("/v2/checkout/orders", OrderBody(), "order-req-1");
        Assert.Equal(HttpStatusCode.Created, first.Status);
        await Server.ApproveAsync(first.Id);

        // The body of a repeat is not compared: the first request's order comes back, as it is now.
        var repeat = await PostAsync("/v2/checkout/orders", OrderBody("99.00"), "order-req-1");

        Assert.Equal(HttpStatusCode.OK, repeat.Status);
        Assert.Equal(first.Id, repeat.Id);
        Assert.Equal("APPROVED", repeat.Body.GetProperty("status").GetString());
        Assert.Equal("10.00 USD", Money(repeat.Body.GetProperty("purchase_units")[0].GetProperty("amount")));
        var log = await Server.RequestsAsync();
        Assert.True(log.Single(r => r.GetProperty("status").GetInt32() == 200 && r.GetProperty("path").GetString() == "/v2/checkout/orders").GetProperty("replayed").GetBoolean());
        var other = await PostAsync("/v2/checkout/orders", OrderBody(), "order-req-2");
        Assert.NotEqual(first.Id, other.Id);
    }

    [Fact]
    public async Task A_repeated_capture_answers_the_same_capture_and_captures_nothing_more()
    {
        var orderId = await ApprovedOrderAsync();
        var first = await PostAsync($"/v2/checkout/orders/{orderId}/capture", requestId: "cap-1");
        var repeat = await PostAsync($"/v2/checkout/orders/{orderId}/capture", requestId: "cap-1", representation: false);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.OK, repeat.Status);
        Assert.Equal("COMPLETED", repeat.Body.GetProperty("status").GetString());
        var captures = (await GetAsync($"/v2/checkout/orders/{orderId}")).Body.GetProperty("purchase_units")[0].GetProperty("payments").GetProperty("captures");
        Assert.Equal(1, captures.GetArrayLength());
        Assert.Single(await Server.WebhookEventsAsync(), e => e.GetProperty("eventType").GetString() == "PAYMENT.CAPTURE.COMPLETED");
    }

    [Fact]
    public async Task Orders_forget_a_request_id_after_six_hours_and_payments_after_45_days()
    {
        var first = await PostAsync("/v2/checkout/orders", OrderBody(), "kept-6h");
        await AdvanceAsync(TimeSpan.FromHours(5.9));
        Assert.Equal(first.Id, (await PostAsync("/v2/checkout/orders", OrderBody(), "kept-6h")).Id);
        await AdvanceAsync(TimeSpan.FromHours(0.2));
        var later = await PostAsync("/v2/checkout/orders", OrderBody(), "kept-6h");
        Assert.Equal(HttpStatusCode.Created, later.Status);
        Assert.NotEqual(first.Id, later.Id);

        var capture = await CaptureAsync("30.00");
        var captureId = capture.GetProperty("id").GetString()!;
        var refund = await PostAsync($"/v2/payments/captures/{captureId}/refund", new { amount = new { currency_code = "USD", value = "5.00" } }, "refund-1");
        await AdvanceAsync(TimeSpan.FromDays(44));
        var repeat = await PostAsync($"/v2/payments/captures/{captureId}/refund", new { amount = new { currency_code = "USD", value = "5.00" } }, "refund-1");
        Assert.Equal(HttpStatusCode.OK, repeat.Status);
        Assert.Equal(refund.Id, repeat.Id);
        await AdvanceAsync(TimeSpan.FromDays(1.1));
        var anew = await PostAsync($"/v2/payments/captures/{captureId}/refund", new { amount = new { currency_code = "USD", value = "5.00" } }, "refund-1");
        Assert.Equal(HttpStatusCode.Created, anew.Status);
        Assert.NotEqual(refund.Id, anew.Id);
    }

    [Fact]
    public async Task A_duplicate_arriving_while_the_first_is_still_executing_is_PREVIOUS_REQUEST_IN_PROGRESS()
    {
        var orderId = await ApprovedOrderAsync();
        await Server.FaultAsync(new { method = "POST", pathPrefix = $"/v2/checkout/orders/{orderId}/capture", status = 0, delayMs = 1500, count = 1 });

        var slow = PostAsync($"/v2/checkout/orders/{orderId}/capture", requestId: "same");
        await SlowRequestInFlightAsync();
        var duplicate = await PostAsync($"/v2/checkout/orders/{orderId}/capture", requestId: "same");

        AssertError(duplicate, HttpStatusCode.Conflict, "RESOURCE_CONFLICT", "PREVIOUS_REQUEST_IN_PROGRESS");
        Assert.Equal(HttpStatusCode.Created, (await slow).Status);
    }

    [Fact]
    public async Task An_answer_lost_after_the_capture_happened_is_recovered_by_repeating_the_request_id()
    {
        var orderId = await ApprovedOrderAsync();
        await Server.FaultAsync(new { method = "POST", pathPrefix = $"/v2/checkout/orders/{orderId}/capture", status = 502, when = "after" });

        var lost = await PostAsync($"/v2/checkout/orders/{orderId}/capture", requestId: "retry-me");
        var retried = await PostAsync($"/v2/checkout/orders/{orderId}/capture", requestId: "retry-me");

        AssertError(lost, HttpStatusCode.BadGateway, "INTERNAL_SERVER_ERROR");
        Assert.Equal(HttpStatusCode.OK, retried.Status);
        Assert.Equal("COMPLETED", retried.Body.GetProperty("status").GetString());
    }

    /// <summary>The slow request consumed its fault, which it does only after claiming its request id.</summary>
    private async Task SlowRequestInFlightAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await Server.Control.GetStringAsync("_emulator/faults") != "[]")
        {
            Assert.True(DateTime.UtcNow < deadline, "the slow request never arrived");
            await Task.Delay(10);
        }
    }
}
