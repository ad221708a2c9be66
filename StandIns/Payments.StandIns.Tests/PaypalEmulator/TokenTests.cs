using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Payments.StandIns.Testing;
using Xunit;

namespace Payments.StandIns.Tests.PaypalEmulator;

public sealed class TokenTests : PaypalTest
{
    private async Task<(HttpStatusCode Status, JsonElement Body)> TokenAsync(string? basic, string? form = "grant_type=client_credentials")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/oauth2/token");
        if (form is not null)
        {
            request.Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
        }

        if (basic is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        }

        using var response = await Server.Control.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task The_configured_client_gets_a_bearer_token_shaped_like_PayPals()
    {
        var (status, body) = await TokenAsync($"{PaypalEmulatorServer.ClientId}:{PaypalEmulatorServer.ClientSecret}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("A21AA", body.GetProperty("access_token").GetString(), StringComparison.Ordinal);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.InRange(body.GetProperty("expires_in").GetInt64(), 32000, 32400);
        Assert.StartsWith("APP-", body.GetProperty("app_id").GetString(), StringComparison.Ordinal);
        Assert.Contains("https://uri.paypal.com/services/payments/refund", body.GetProperty("scope").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("nonce").GetString()));
    }

    [Theory]
    [InlineData("emulator-client-id:wrong-secret")]
    [InlineData("someone-else:emulator-client-secret")]
    [InlineData(null)]
    public async Task Wrong_or_missing_client_credentials_are_invalid_client(string? basic)
    {
        var (status, body) = await TokenAsync(basic);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        Assert.Equal("Client Authentication failed", body.GetProperty("error_description").GetString());
    }

    [Theory]
    [InlineData(null, "Grant Type is NULL")]
    [InlineData("grant_type=password", "unsupported grant_type")]
    public async Task The_grant_type_must_be_client_credentials(string? form, string description)
    {
        var (status, body) = await TokenAsync($"{PaypalEmulatorServer.ClientId}:{PaypalEmulatorServer.ClientSecret}", form);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("unsupported_grant_type", body.GetProperty("error").GetString());
        Assert.Equal(description, body.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task An_api_call_without_a_token_is_AUTHENTICATION_FAILURE_and_with_a_made_up_one_invalid_token()
    {
        using var anonymous = new HttpClient { BaseAddress = Server.BaseUrl };
        var none = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "v2/checkout/orders/5O190127TN364715T"), anonymous);
        Assert.Equal(HttpStatusCode.Unauthorized, none.Status);
        Assert.Equal("AUTHENTICATION_FAILURE", none.Body.GetProperty("name").GetString());

        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "A21AAmadeup");
        var madeUp = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "v2/checkout/orders/5O190127TN364715T"), anonymous);
        Assert.Equal(HttpStatusCode.Unauthorized, madeUp.Status);
        Assert.Equal("invalid_token", madeUp.Body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_token_expires_on_the_emulators_clock_and_asking_again_before_then_answers_the_same_token()
    {
        var first = await Server.GetAccessTokenAsync();
        await Server.AdvanceClockAsync(TimeSpan.FromHours(8));
        var (_, again) = await TokenAsync($"{PaypalEmulatorServer.ClientId}:{PaypalEmulatorServer.ClientSecret}");
        Assert.Equal(first, again.GetProperty("access_token").GetString());
        Assert.InRange(again.GetProperty("expires_in").GetInt64(), 3000, 3600);

        await Server.AdvanceClockAsync(TimeSpan.FromHours(1.01));
        var expired = await GetAsync("/v2/checkout/orders/5O190127TN364715T");
        Assert.Equal(HttpStatusCode.Unauthorized, expired.Status);
        Assert.Equal("invalid_token", expired.Body.GetProperty("error").GetString());
        Assert.Equal("Access Token not found in cache", expired.Body.GetProperty("error_description").GetString());

        var fresh = await Server.GetAccessTokenAsync();
        Assert.NotEqual(first, fresh);
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fresh);
        var order = await CreateOrderAsync();
        Assert.Equal(HttpStatusCode.Created, order.Status);
    }
}
