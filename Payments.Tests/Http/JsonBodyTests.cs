using System.Text;
using Microsoft.AspNetCore.Http;
using Payments.Core.Cards;
using Payments.Core.Http;
using Xunit;

namespace Payments.Tests.Http;

public sealed class JsonBodyTests
{
    private static HttpRequest Request(string body, string contentType = "application/json")
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = contentType;
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        return context.Request;
    }

    private static ApiError Fails(string body, string contentType = "application/json") =>
        Assert.ThrowsAsync<ApiErrorException>(() => JsonBody.ReadAsync<SaveCardRequest>(Request(body, contentType), default)).Result.Error;

    [Fact]
    public async Task A_well_formed_body_is_read()
    {
        var body = await JsonBody.ReadAsync<SaveCardRequest>(Request("""{"paymentMethodId":"pm_card_visa"}"""), default);
        Assert.Equal("pm_card_visa", body.PaymentMethodId);
    }

    [Theory]
    [InlineData("""{"paymentMethodId":"pm_x","number":"4242424242424242"}""", "unknown_field", "number")]
    [InlineData("""{}""", "missing_field", "paymentMethodId")]
    [InlineData("""{"paymentMethodId":null}""", "malformed_json", "paymentMethodId")]
    [InlineData("""{"paymentMethodId":42}""", "malformed_json", "paymentMethodId")]
    [InlineData("""{"paymentMethodId":"pm_x",}""", "malformed_json", null)]
    [InlineData("""{"paymentMethodId":""", "malformed_json", null)]
    [InlineData("""[]""", "malformed_json", null)]
    public void Bad_bodies_are_named_precisely(string body, string code, string? field)
    {
        var error = Fails(body);
        Assert.Equal(400, error.Status);
        Assert.Equal(code, error.Code);
        if (field is not null)
            Assert.Equal(field, error.Field);
    }

    [Fact]
    public void An_oversized_body_is_refused_without_reading_it_all()
    {
        var error = Fails($$"""{"paymentMethodId":"{{new string('a', JsonBody.MaxBytes)}}"}""");
        Assert.Equal("body_too_large", error.Code);
        Assert.Equal(400, error.Status);
    }

    [Fact]
    public void Only_json_is_accepted()
    {
        var error = Fails("paymentMethodId=pm_x", "application/x-www-form-urlencoded");
        Assert.Equal(415, error.Status);
        Assert.Equal("unsupported_media_type", error.Code);
    }

    [Fact]
    public void Errors_never_echo_the_offending_value()
    {
        var error = Fails("""{"paymentMethodId":"pm_x","cardNumber":"4242424242424242"}""");
        Assert.DoesNotContain("4242", error.Title, StringComparison.Ordinal);
        Assert.DoesNotContain("4242", error.Field ?? "", StringComparison.Ordinal);
    }
}
