using System.Net;
using Xunit;

namespace Payments.StandIns.Tests.PaypalEmulator;

public sealed class AuthorizationTests : PaypalTest
{
    private Task<PaypalResponse> CaptureAsync(string authorizationId, string? value, bool? final = null, string? requestId = null) =>
        PostAsync($"/v2/payments/authorizations/{authorizationId}/capture",
            new { amount = value is null ? null : new { currency_code = "USD", value }, final_capture = final, invoice_id = (string?)null },
            requestId ?? Guid.NewGuid().ToString());

    private async Task<string> StatusAsync(string authorizationId) =>
        (await GetAsync($"/v2/payments/authorizations/{authorizationId}")).Body.GetProperty("status").GetString()!;

    [Fact]
    public async Task Authorize_then_a_partial_capture_then_void_releases_the_rest()
    {
        var authorization = await AuthorizeAsync("100.00");
        var shown = await GetAsync($"/v2/payments/authorizations/{authorization}");
        Assert.Equal("CREATED", shown.Body.GetProperty("status").GetString());
        Assert.Equal("100.00 USD", Money(shown.Body.GetProperty("amount")));
        Assert.NotNull(shown.Link("reauthorize"));
        var created = DateTimeOffset.Parse(shown.Body.GetProperty("create_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var expires = DateTimeOffset.Parse(shown.Body.GetProperty("expiration_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromDays(29), expires - created);

        var partial = await CaptureAsync(authorization, "30.00");
        Assert.Equal(HttpStatusCode.Created, partial.Status);
        Assert.Equal("COMPLETED", partial.Body.GetProperty("status").GetString());
        Assert.False(partial.Body.GetProperty("final_capture").GetBoolean());
        Assert.Equal(authorization, partial.Body.GetProperty("supplementary_data").GetProperty("related_ids").GetProperty("authorization_id").GetString());
        Assert.Equal("PARTIALLY_CAPTURED", await StatusAsync(authorization));

        // Without an amount PayPal captures the full authorized amount, which no longer fits.
        AssertError(await CaptureAsync(authorization, null), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "MAX_CAPTURE_AMOUNT_EXCEEDED");
        AssertError(await CaptureAsync(authorization, "70.01"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "MAX_CAPTURE_AMOUNT_EXCEEDED");
        Assert.Equal(HttpStatusCode.Created, (await CaptureAsync(authorization, "20.00")).Status);

        var voided = await PostAsync($"/v2/payments/authorizations/{authorization}/void", representation: false);
        Assert.Equal(HttpStatusCode.NoContent, voided.Status);
        Assert.Equal("VOIDED", await StatusAsync(authorization));
        AssertError(await PostAsync($"/v2/payments/authorizations/{authorization}/void"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "PREVIOUSLY_VOIDED");
        AssertError(await CaptureAsync(authorization, "1.00"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "AUTHORIZATION_VOIDED");
        Assert.Equal(
            ["CHECKOUT.ORDER.APPROVED", "PAYMENT.AUTHORIZATION.CREATED", "PAYMENT.CAPTURE.COMPLETED", "PAYMENT.CAPTURE.COMPLETED", "PAYMENT.AUTHORIZATION.VOIDED"],
            await EventTypesAsync());

        var order = await GetAsync($"/v2/checkout/orders/{shown.Body.GetProperty("supplementary_data").GetProperty("related_ids").GetProperty("order_id").GetString()}");
        Assert.Equal(2, order.Body.GetProperty("purchase_units")[0].GetProperty("payments").GetProperty("captures").GetArrayLength());
    }

    [Fact]
    public async Task A_final_partial_capture_ends_the_authorization()
    {
        var authorization = await AuthorizeAsync("100.00");

        Assert.Equal(HttpStatusCode.Created, (await CaptureAsync(authorization, "40.00", final: true)).Status);

        Assert.Equal("PARTIALLY_CAPTURED", await StatusAsync(authorization));
        AssertError(await CaptureAsync(authorization, "10.00"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "AUTHORIZATION_ALREADY_CAPTURED");
        AssertError(await PostAsync($"/v2/payments/authorizations/{authorization}/void"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "PREVIOUSLY_CAPTURED");
    }

    [Fact]
    public async Task A_full_capture_is_CAPTURED_and_a_repeat_with_the_request_id_answers_the_same_capture()
    {
        var authorization = await AuthorizeAsync("100.00");

        var first = await CaptureAsync(authorization, null, requestId: "auth-cap");
        var repeat = await CaptureAsync(authorization, null, requestId: "auth-cap");

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.OK, repeat.Status);
        Assert.Equal(first.Id, repeat.Id);
        Assert.Equal("CAPTURED", await StatusAsync(authorization));
        AssertError(await CaptureAsync(authorization, "1.00"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "AUTHORIZATION_ALREADY_CAPTURED");
    }

    [Fact]
    public async Task After_the_honor_period_a_capture_still_succeeds_unless_the_funds_were_guaranteed_only_for_it()
    {
        var balance = await AuthorizeAsync("50.00");
        var honorOnly = await AuthorizeAsync("50.00", funding: "honor_only");
        await AdvanceAsync(TimeSpan.FromDays(3) + TimeSpan.FromMinutes(1));

        Assert.Equal(HttpStatusCode.Created, (await CaptureAsync(balance, "50.00")).Status);
        AssertError(await CaptureAsync(honorOnly, "50.00"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "PAYER_CANNOT_PAY");
    }

    [Fact]
    public async Task Reauthorize_once_after_the_honor_period_gives_a_new_authorization_with_a_new_honor_period()
    {
        var authorization = await AuthorizeAsync("80.00", funding: "honor_only");
        AssertError(await PostAsync($"/v2/payments/authorizations/{authorization}/reauthorize"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "REAUTHORIZATION_NOT_SUPPORTED");

        await AdvanceAsync(TimeSpan.FromDays(5));
        var reauthorized = await PostAsync($"/v2/payments/authorizations/{authorization}/reauthorize", new { amount = new { currency_code = "USD", value = "80.00" } }, "reauth-1");

        Assert.Equal(HttpStatusCode.Created, reauthorized.Status);
        Assert.NotEqual(authorization, reauthorized.Id);
        Assert.Equal("CREATED", reauthorized.Body.GetProperty("status").GetString());
        AssertError(await PostAsync($"/v2/payments/authorizations/{authorization}/reauthorize"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "REAUTHORIZATION_NOT_SUPPORTED");
        AssertError(await PostAsync($"/v2/payments/authorizations/{reauthorized.Id}/reauthorize"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "REAUTHORIZATION_NOT_SUPPORTED");
        AssertError(await PostAsync($"/v2/payments/authorizations/{reauthorized.Id}/void"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "CANNOT_BE_VOIDED");
        // Its 29 days still count from the first authorization.
        var original = await GetAsync($"/v2/payments/authorizations/{authorization}");
        Assert.Equal(original.Body.GetProperty("expiration_time").GetString(), reauthorized.Body.GetProperty("expiration_time").GetString());

        // The reauthorization's own honor period guarantees the funds again.
        Assert.Equal(HttpStatusCode.Created, (await CaptureAsync(reauthorized.Id, "80.00")).Status);
        Assert.Equal("CAPTURED", await StatusAsync(reauthorized.Id));
    }

    [Fact]
    public async Task Past_29_days_an_authorization_is_voided_with_a_webhook_and_a_capture_is_AUTHORIZATION_EXPIRED()
    {
        var authorization = await AuthorizeAsync("60.00");
        var captured = await CaptureAsync(authorization, "10.00");
        Assert.Equal(HttpStatusCode.Created, captured.Status);

        await AdvanceAsync(TimeSpan.FromDays(28));
        Assert.Equal("PARTIALLY_CAPTURED", await StatusAsync(authorization));
        await AdvanceAsync(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));

        Assert.Equal("VOIDED", await StatusAsync(authorization));
        Assert.Equal("PAYMENT.AUTHORIZATION.VOIDED", (await EventTypesAsync()).Last());
        AssertError(await CaptureAsync(authorization, "10.00"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "AUTHORIZATION_EXPIRED");
        AssertError(await PostAsync($"/v2/payments/authorizations/{authorization}/reauthorize"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "AUTHORIZATION_EXPIRED");
        // What was captured stays captured.
        Assert.Equal("COMPLETED", (await GetAsync($"/v2/payments/captures/{captured.Id}")).Body.GetProperty("status").GetString());
    }
}
