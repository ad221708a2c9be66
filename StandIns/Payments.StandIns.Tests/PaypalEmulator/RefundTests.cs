using System.Net;
using Xunit;

namespace Payments.StandIns.Tests.PaypalEmulator;

public sealed class RefundTests : PaypalTest
{
    private Task<PaypalResponse> RefundAsync(string captureId, string? value = null, string currency = "USD") =>
        PostAsync($"/v2/payments/captures/{captureId}/refund",
            value is null ? null : new { amount = new { currency_code = currency, value } },
            Guid.NewGuid().ToString());

    private async Task<string> CaptureIdAsync(string value = "50.00", string currency = "USD") =>
        (await CaptureAsync(value, currency)).GetProperty("id").GetString()!;

    [Fact]
    public async Task An_empty_body_refunds_everything_left()
    {
        var captureId = await CaptureIdAsync("50.00");

        var refund = await RefundAsync(captureId);

        Assert.Equal(HttpStatusCode.Created, refund.Status);
        Assert.Equal("COMPLETED", refund.Body.GetProperty("status").GetString());
        Assert.Equal("50.00 USD", Money(refund.Body.GetProperty("amount")));
        var breakdown = refund.Body.GetProperty("seller_payable_breakdown");
        Assert.Equal("50.00 USD", Money(breakdown.GetProperty("net_amount")));
        Assert.Equal("50.00 USD", Money(breakdown.GetProperty("total_refunded_amount")));
        Assert.EndsWith($"/v2/payments/captures/{captureId}", refund.Link("up"), StringComparison.Ordinal);
        Assert.Equal("REFUNDED", (await GetAsync($"/v2/payments/captures/{captureId}")).Body.GetProperty("status").GetString());
        Assert.Equal(refund.Id, (await GetAsync($"/v2/payments/refunds/{refund.Id}")).Id);
        AssertError(await RefundAsync(captureId, "1.00"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "CAPTURE_FULLY_REFUNDED");
        Assert.Equal("PAYMENT.CAPTURE.REFUNDED", (await EventTypesAsync()).Last());
    }

    [Fact]
    public async Task Several_partial_refunds_add_up_and_more_than_is_left_is_REFUND_AMOUNT_EXCEEDED()
    {
        var captureId = await CaptureIdAsync("50.00");

        Assert.Equal(HttpStatusCode.Created, (await RefundAsync(captureId, "20.00")).Status);
        Assert.Equal("PARTIALLY_REFUNDED", (await GetAsync($"/v2/payments/captures/{captureId}")).Body.GetProperty("status").GetString());
        var second = await RefundAsync(captureId, "25.00");
        Assert.Equal("45.00 USD", Money(second.Body.GetProperty("seller_payable_breakdown").GetProperty("total_refunded_amount")));
        var exceeded = await RefundAsync(captureId, "5.01");
        AssertError(exceeded, HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "REFUND_AMOUNT_EXCEEDED", "/amount/value");
        var rest = await RefundAsync(captureId);

        Assert.Equal("5.00 USD", Money(rest.Body.GetProperty("amount")));
        Assert.Equal("REFUNDED", (await GetAsync($"/v2/payments/captures/{captureId}")).Body.GetProperty("status").GetString());
        Assert.Equal(3, (await EventTypesAsync()).Count(t => t == "PAYMENT.CAPTURE.REFUNDED"));
    }

    [Fact]
    public async Task Refunds_of_a_JPY_capture_are_whole_yen()
    {
        var captureId = await CaptureIdAsync("3000", "JPY");

        var refund = await RefundAsync(captureId, "1000", "JPY");
        Assert.Equal("1000 JPY", Money(refund.Body.GetProperty("amount")));
        AssertError(await RefundAsync(captureId, "10.00", "USD"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "REFUND_CAPTURE_CURRENCY_MISMATCH");
        Assert.Equal("2000 JPY", Money((await RefundAsync(captureId)).Body.GetProperty("amount")));
    }

    [Fact]
    public async Task A_pending_refund_holds_its_amount_and_settles_later()
    {
        var captureId = await CaptureIdAsync("50.00");
        await Server.MakeNextRefundPendingAsync(captureId);

        var pending = await RefundAsync(captureId, "30.00");
        Assert.Equal("PENDING", pending.Body.GetProperty("status").GetString());
        Assert.DoesNotContain("PAYMENT.CAPTURE.REFUNDED", await EventTypesAsync());
        AssertError(await RefundAsync(captureId, "30.00"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "REFUND_AMOUNT_EXCEEDED");

        var failed = await Server.SettleRefundAsync(pending.Id, "fail");
        Assert.Equal("FAILED", failed.GetProperty("status").GetString());
        Assert.Equal("COMPLETED", (await GetAsync($"/v2/payments/captures/{captureId}")).Body.GetProperty("status").GetString());

        await Server.MakeNextRefundPendingAsync(captureId);
        var again = await RefundAsync(captureId, "30.00");
        await Server.SettleRefundAsync(again.Id, "complete");
        Assert.Equal("PARTIALLY_REFUNDED", (await GetAsync($"/v2/payments/captures/{captureId}")).Body.GetProperty("status").GetString());
        Assert.Equal("PAYMENT.CAPTURE.REFUNDED", (await EventTypesAsync()).Last());
    }

    [Fact]
    public async Task A_capture_older_than_180_days_cannot_be_refunded()
    {
        var captureId = await CaptureIdAsync();
        await AdvanceAsync(TimeSpan.FromDays(181));

        AssertError(await RefundAsync(captureId), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "REFUND_TIME_LIMIT_EXCEEDED");
    }

    [Fact]
    public async Task A_reversal_takes_what_is_left_and_sends_PAYMENT_CAPTURE_REVERSED()
    {
        var captureId = await CaptureIdAsync("50.00");
        await RefundAsync(captureId, "10.00");

        var reversal = await Server.ReverseCaptureAsync(captureId);

        Assert.Equal("40.00 USD", Money(reversal.GetProperty("amount")));
        Assert.Equal("REFUNDED", (await GetAsync($"/v2/payments/captures/{captureId}")).Body.GetProperty("status").GetString());
        Assert.Equal("PAYMENT.CAPTURE.REVERSED", (await EventTypesAsync()).Last());
    }

    [Fact]
    public async Task An_unknown_capture_or_refund_is_RESOURCE_NOT_FOUND()
    {
        AssertError(await RefundAsync("3C679366HH908993F"), HttpStatusCode.NotFound, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID");
        AssertError(await GetAsync("/v2/payments/refunds/1JU08902781691411"), HttpStatusCode.NotFound, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID");
    }
}
