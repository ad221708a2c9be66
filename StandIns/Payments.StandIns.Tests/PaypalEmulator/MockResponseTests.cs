using System.Net;
using Xunit;

namespace Payments.StandIns.Tests.PaypalEmulator;

public sealed class MockResponseTests : PaypalTest
{
    [Fact]
    public async Task INSTRUMENT_DECLINED_on_capture_is_the_documented_422_and_nothing_is_captured()
    {
        var orderId = await ApprovedOrderAsync();

        var declined = await PostAsync($"/v2/checkout/orders/{orderId}/capture", mock: "INSTRUMENT_DECLINED");

        var detail = AssertError(declined, HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "INSTRUMENT_DECLINED");
        Assert.Contains("declined", detail.GetProperty("description").GetString(), StringComparison.Ordinal);
        var order = await GetAsync($"/v2/checkout/orders/{orderId}");
        Assert.Equal("APPROVED", order.Body.GetProperty("status").GetString());
        Assert.DoesNotContain("PAYMENT.CAPTURE.COMPLETED", await EventTypesAsync());
        Assert.Equal(HttpStatusCode.Created, (await PostAsync($"/v2/checkout/orders/{orderId}/capture")).Status);
    }

    [Theory]
    [InlineData("/v2/payments/captures/{capture}/refund", "REFUND_AMOUNT_EXCEEDED", 422)]
    [InlineData("/v2/payments/captures/{capture}/refund", "REFUND_TIME_LIMIT_EXCEEDED", 422)]
    [InlineData("/v2/payments/captures/{capture}/refund", "PENDING_CAPTURE", 422)]
    [InlineData("/v2/checkout/orders/{order}/capture", "ORDER_ALREADY_CAPTURED", 422)]
    [InlineData("/v2/checkout/orders/{order}/capture", "PAYER_ACTION_REQUIRED", 422)]
    [InlineData("/v2/checkout/orders/{order}/capture", "INTERNAL_SERVER_ERROR", 500)]
    [InlineData("/v2/checkout/orders", "DECIMAL_PRECISION", 422)]
    [InlineData("/v2/checkout/orders", "PAYPAL_REQUEST_ID_REQUIRED", 400)]
    public async Task Codes_PayPal_documents_for_an_operation_are_forced_with_their_status(string path, string code, int status)
    {
        var capture = await CaptureAsync();
        var orderId = await ApprovedOrderAsync();
        path = path.Replace("{capture}", capture.GetProperty("id").GetString(), StringComparison.Ordinal).Replace("{order}", orderId, StringComparison.Ordinal);
        var body = path == "/v2/checkout/orders" ? new { intent = "CAPTURE", purchase_units = new[] { Unit() } } : null;

        var response = await PostAsync(path, body, mock: code);

        Assert.Equal(status, (int)response.Status);
        if (status == 500)
        {
            AssertError(response, HttpStatusCode.InternalServerError, "INTERNAL_SERVER_ERROR");
        }
        else
        {
            Assert.Equal(code, response.Body.GetProperty("details")[0].GetProperty("issue").GetString());
        }
    }

    [Fact]
    public async Task A_code_PayPal_does_not_list_for_the_operation_or_a_malformed_header_is_refused()
    {
        var orderId = await ApprovedOrderAsync();

        AssertError(await PostAsync($"/v2/checkout/orders/{orderId}/capture", mock: "REFUND_AMOUNT_EXCEEDED"), HttpStatusCode.BadRequest, "INVALID_REQUEST", "INVALID_PARAMETER_VALUE");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/checkout/orders/{orderId}");
        request.Headers.Add("PayPal-Mock-Response", "INSTRUMENT_DECLINED");
        AssertError(await SendAsync(request), HttpStatusCode.BadRequest, "INVALID_REQUEST", "INVALID_PARAMETER_SYNTAX");
    }

    [Fact]
    public async Task Injected_faults_answer_PayPals_error_shapes()
    {
        await Server.FaultAsync(new { method = "POST", pathPrefix = "/v2/checkout/orders", status = 429, count = 1 });
        await Server.FaultAsync(new { method = "POST", pathPrefix = "/v2/checkout/orders", status = 503, count = 1 });

        AssertError(await PostAsync("/v2/checkout/orders", new { intent = "CAPTURE", purchase_units = new[] { Unit() } }), HttpStatusCode.TooManyRequests, "RATE_LIMIT_REACHED");
        AssertError(await PostAsync("/v2/checkout/orders", new { intent = "CAPTURE", purchase_units = new[] { Unit() } }), HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
        Assert.Equal(HttpStatusCode.Created, (await PostAsync("/v2/checkout/orders", new { intent = "CAPTURE", purchase_units = new[] { Unit() } })).Status);
    }
}
