using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.StandIns.Testing;
using Stripe;
using Xunit;

namespace Payments.StandIns.Tests.StripeEmulator;

public sealed class AuthAndFaultTests : EmulatorTest
{
    [Fact]
    public async Task MissingApiKeyIsAnAuthenticationError()
    {
        using var response = await Server.Control.GetAsync("/v1/customers");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
        Assert.True(response.Headers.Contains("Request-Id"));
    }

    [Theory]
    [InlineData("sk_live_0123456789abcdef")]
    [InlineData("pk_live_0123456789abcdef")]
    public async Task NonTestSecretKeysAreRejected(string apiKey)
    {
        var e = await ThrowsStripeAsync(HttpStatusCode.Unauthorized, "authentication_error",
            () => Server.CreateClient(apiKey).V1.Customers.ListAsync());

        Assert.StartsWith("Invalid API Key provided", e.StripeError.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789ab", e.StripeError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BasicAuthWithTheKeyAsUserNameIsAccepted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/customers");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("sk_test_curl:"u8.ToArray()));

        using var response = await Server.Control.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Unknown paths, and routes Payments does not call (so the emulator does not serve them), even where another method of the path is served.</summary>
    [Theory]
    [InlineData("GET", "/v1/widgets")]
    [InlineData("GET", "/v1/products")]
    [InlineData("POST", "/v1/subscriptions/sub_123")]
    [InlineData("GET", "/v1/customers/cus_123/payment_methods")]
    public async Task UnknownRoutesAreStripeShaped404s(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk_test_x");

        using var response = await Server.Control.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains($"Unrecognized request URL ({method}: {path})", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InjectedFaultsFailTheNextMatchingRequestsThenRecover()
    {
        await Server.FailNextAsync("POST", "/v1/customers", 500, 2);
        var key = new RequestOptions { IdempotencyKey = "retried-create" };

        for (var i = 0; i < 2; i++)
        {
            var e = await ThrowsStripeAsync(HttpStatusCode.InternalServerError, "api_error",
                () => Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions(), key));
            Assert.False(string.IsNullOrEmpty(e.StripeError.Message));
        }

        // Other methods are not affected, and a fault is never saved under the idempotency key.
        Assert.Empty((await Stripe.V1.Customers.ListAsync()).Data);
        var created = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions(), key);
        Assert.StartsWith("cus_", created.Id, StringComparison.Ordinal);

        var statuses = (await RequestLogAsync("/v1/customers")).Select(r => r.GetProperty("status").GetInt32());
        Assert.Equal([500, 500, 200, 200], statuses);
    }

    [Fact]
    public async Task FaultsCanBeCleared()
    {
        await Server.FailNextAsync("*", "/v1/", 503, 5);
        using var deleted = await Server.Control.DeleteAsync("/_emulator/faults");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Stripe.V1.Customers.ListAsync();
    }

    [Fact]
    public async Task ResetForgetsEverything()
    {
        var customer = await NewCustomerAsync();

        using var reset = await Server.Control.PostAsync("/_emulator/reset", null);

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error", () => Stripe.V1.Customers.GetAsync(customer.Id));
        Assert.Single(await Server.RequestsAsync());
    }
}
