using Payments.Core.Paypal;
using Xunit;

namespace Payments.Tests.Paypal;

/// <summary>PayPal's error codes by meaning (the table of docs/paypal.md).</summary>
public sealed class PaypalErrorsTests
{
    [Theory]
    // The payer chooses again at PayPal.
    [InlineData(422, "UNPROCESSABLE_ENTITY", "INSTRUMENT_DECLINED", PaypalErrorCategory.SendPayerBack)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "PAYER_ACTION_REQUIRED", PaypalErrorCategory.SendPayerBack)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "REDIRECT_PAYER_FOR_ALTERNATE_FUNDING", PaypalErrorCategory.SendPayerBack)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "ORDER_NOT_APPROVED", PaypalErrorCategory.SendPayerBack)]
    // Already done after a lost answer: read the object.
    [InlineData(422, "UNPROCESSABLE_ENTITY", "ORDER_ALREADY_CAPTURED", PaypalErrorCategory.AlreadyDone)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "ORDER_ALREADY_AUTHORIZED", PaypalErrorCategory.AlreadyDone)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "PREVIOUSLY_CAPTURED", PaypalErrorCategory.AlreadyDone)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "PREVIOUSLY_VOIDED", PaypalErrorCategory.AlreadyDone)]
    // Later, with the same request id.
    [InlineData(429, "RATE_LIMIT_REACHED", null, PaypalErrorCategory.Retry)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "ORDER_COMPLETION_IN_PROGRESS", PaypalErrorCategory.Retry)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "PREVIOUS_REQUEST_IN_PROGRESS", PaypalErrorCategory.Retry)]
    [InlineData(500, "INTERNAL_SERVER_ERROR", null, PaypalErrorCategory.Retry)]
    [InlineData(503, null, null, PaypalErrorCategory.Retry)]
    [InlineData(null, null, null, PaypalErrorCategory.Retry)]
    // Refused as asked.
    [InlineData(422, "UNPROCESSABLE_ENTITY", "DECIMAL_PRECISION", PaypalErrorCategory.Final)]
    [InlineData(400, "INVALID_REQUEST", "DECIMALS_NOT_SUPPORTED", PaypalErrorCategory.Final)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "CURRENCY_NOT_SUPPORTED", PaypalErrorCategory.Final)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "REFUND_AMOUNT_EXCEEDED", PaypalErrorCategory.Final)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "MAX_NUMBER_OF_REFUNDS_EXCEEDED", PaypalErrorCategory.Final)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "REFUND_TIME_LIMIT_EXCEEDED", PaypalErrorCategory.Final)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "PENDING_CAPTURE", PaypalErrorCategory.Final)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "ORDER_EXPIRED", PaypalErrorCategory.Final)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "AUTHORIZATION_EXPIRED", PaypalErrorCategory.Final)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "AUTHORIZATION_VOIDED", PaypalErrorCategory.Final)]
    [InlineData(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", PaypalErrorCategory.Final)]
    [InlineData(401, "invalid_client", null, PaypalErrorCategory.Final)]
    [InlineData(422, "UNPROCESSABLE_ENTITY", "SOME_ISSUE_PAYPAL_ADDS_LATER", PaypalErrorCategory.Final)]
    public void Each_answer_is_categorized_by_what_it_means(int? status, string? name, string? issue, PaypalErrorCategory expected) =>
        Assert.Equal(expected, PaypalErrors.Categorize(status, name, issue));

    [Fact]
    public void Not_found_and_authentication_are_told_apart()
    {
        var missing = new PaypalException(PaypalErrorCategory.Final, "orders.get", 404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "d1", "not found");
        var credentials = new PaypalException(PaypalErrorCategory.Final, "oauth2.token", 401, "invalid_client", null, null, "Client Authentication failed");
        Assert.True(missing.IsNotFound);
        Assert.False(missing.IsAuthentication);
        Assert.True(credentials.IsAuthentication);
        Assert.False(credentials.IsNotFound);
    }
}
