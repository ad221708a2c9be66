using System.Net;
using Xunit;

namespace Payments.StandIns.Tests.PaypalEmulator;

public sealed class AmountTests : PaypalTest
{
    private Task<PaypalResponse> OrderAsync(string value, string currency) =>
        PostAsync("/v2/checkout/orders", new { intent = "CAPTURE", purchase_units = new[] { Unit(value, currency) } });

    [Theory]
    [InlineData("10.50", "USD", "10.50")]
    [InlineData("10.5", "EUR", "10.50")]
    [InlineData("0.01", "GBP", "0.01")]
    [InlineData("1000", "JPY", "1000")]
    [InlineData("1500", "HUF", "1500")]
    [InlineData("30", "TWD", "30")]
    [InlineData(".5", "USD", "0.50")]
    public async Task Amounts_with_the_currencys_decimals_are_taken_and_shown_with_exactly_those_decimals(string value, string currency, string shown)
    {
        var response = await OrderAsync(value, currency);

        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal($"{shown} {currency}", Money(response.Body.GetProperty("purchase_units")[0].GetProperty("amount")));
    }

    [Theory]
    [InlineData("1000.00", "JPY", "DECIMALS_NOT_SUPPORTED")]
    [InlineData("1000.0", "HUF", "DECIMALS_NOT_SUPPORTED")]
    [InlineData("30.5", "TWD", "DECIMALS_NOT_SUPPORTED")]
    [InlineData("10.001", "USD", "DECIMAL_PRECISION")]
    [InlineData("0.00", "USD", "CANNOT_BE_ZERO_OR_NEGATIVE")]
    [InlineData("-5.00", "USD", "CANNOT_BE_ZERO_OR_NEGATIVE")]
    [InlineData("1234567890123456", "USD", "MAX_VALUE_EXCEEDED")]
    public async Task Values_PayPal_refuses_are_422_naming_the_value(string value, string currency, string issue)
    {
        var response = await OrderAsync(value, currency);

        var detail = AssertError(response, HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", issue, "/purchase_units/@reference_id=='default'/amount/value");
        Assert.Equal(value, detail.GetProperty("value").GetString());
        Assert.Equal("body", detail.GetProperty("location").GetString());
    }

    [Theory]
    [InlineData("INR", "CURRENCY_NOT_SUPPORTED")]
    [InlineData("KRW", "CURRENCY_NOT_SUPPORTED")]
    [InlineData("XYZ", "INVALID_CURRENCY_CODE")]
    [InlineData("usd", "INVALID_CURRENCY_CODE")]
    public async Task Currencies_PayPal_does_not_take_are_422(string currency, string issue)
    {
        var response = await OrderAsync("10.00", currency);

        AssertError(response, HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", issue, "/purchase_units/@reference_id=='default'/amount/currency_code");
    }

    [Theory]
    [InlineData("1e3")]
    [InlineData("10.")]
    [InlineData("10,50")]
    [InlineData("")]
    public async Task A_value_not_matching_the_pattern_is_400_INVALID_PARAMETER_SYNTAX(string value)
    {
        var response = await OrderAsync(value, "USD");

        AssertError(response, HttpStatusCode.BadRequest, "INVALID_REQUEST", "INVALID_PARAMETER_SYNTAX", "/purchase_units/@reference_id=='default'/amount/value");
    }

    [Fact]
    public async Task A_number_instead_of_a_string_is_400()
    {
        var response = await PostAsync("/v2/checkout/orders", rawBody: """{"intent":"CAPTURE","purchase_units":[{"amount":{"currency_code":"USD","value":10.5}}]}""");

        AssertError(response, HttpStatusCode.BadRequest, "INVALID_REQUEST", "INVALID_PARAMETER_SYNTAX", "/purchase_units/@reference_id=='default'/amount/value");
    }

    [Fact]
    public async Task A_breakdown_must_add_up_and_items_must_match_item_total()
    {
        var mismatch = await PostAsync("/v2/checkout/orders", new
        {
            intent = "CAPTURE",
            purchase_units = new[]
            {
                new { amount = new { currency_code = "USD", value = "12.00", breakdown = new { item_total = new { currency_code = "USD", value = "10.00" }, shipping = new { currency_code = "USD", value = "1.00" } } } },
            },
        });
        AssertError(mismatch, HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "AMOUNT_MISMATCH");

        var items = await PostAsync("/v2/checkout/orders", new
        {
            intent = "CAPTURE",
            purchase_units = new[]
            {
                new
                {
                    amount = new { currency_code = "JPY", value = "3000", breakdown = new { item_total = new { currency_code = "JPY", value = "3000" } } },
                    items = new[] { new { name = "Mug", quantity = "2", unit_amount = new { currency_code = "JPY", value = "1400" } } },
                },
            },
        });
        AssertError(items, HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "ITEM_TOTAL_MISMATCH");

        var fine = await PostAsync("/v2/checkout/orders", new
        {
            intent = "CAPTURE",
            purchase_units = new[]
            {
                new
                {
                    amount = new { currency_code = "JPY", value = "2800", breakdown = new { item_total = new { currency_code = "JPY", value = "2800" } } },
                    items = new[] { new { name = "Mug", quantity = "2", unit_amount = new { currency_code = "JPY", value = "1400" } } },
                },
            },
        });
        Assert.Equal(HttpStatusCode.Created, fine.Status);
    }

    [Fact]
    public async Task Several_purchase_units_need_distinct_reference_ids_and_one_currency()
    {
        var response = await PostAsync("/v2/checkout/orders", new
        {
            intent = "CAPTURE",
            purchase_units = new[] { Unit("1.00", "USD", "a"), Unit("2.00", "EUR", "a") },
        });

        AssertError(response, HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "DUPLICATE_REFERENCE_ID");
        AssertError(response, HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "MULTI_CURRENCY_ORDER");
    }

    [Fact]
    public async Task A_partial_capture_or_refund_checks_its_amount_like_an_order_does()
    {
        var authorization = await AuthorizeAsync("1000", "JPY");
        AssertError(await PostAsync($"/v2/payments/authorizations/{authorization}/capture", new { amount = new { currency_code = "JPY", value = "500.00" } }),
            HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "DECIMALS_NOT_SUPPORTED", "/amount/value");
        var captured = await PostAsync($"/v2/payments/authorizations/{authorization}/capture", new { amount = new { currency_code = "JPY", value = "500" } });
        Assert.Equal("500 JPY", Money(captured.Body.GetProperty("amount")));
        Assert.Equal("66 JPY", Money(captured.Body.GetProperty("seller_receivable_breakdown").GetProperty("paypal_fee")));

        AssertError(await PostAsync($"/v2/payments/captures/{captured.Id}/refund", new { amount = new { currency_code = "JPY", value = "1.5" } }),
            HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "DECIMALS_NOT_SUPPORTED", "/amount/value");
    }
}
