using System.Net;
using System.Net.Http.Headers;
using Stripe;
using Xunit;

namespace Payments.Tests.Emulator;

public sealed class IdempotencyTests : EmulatorTest
{
    private static RequestOptions Key(string key) => new() { IdempotencyKey = key };

    [Fact]
    public async Task SameKeyAndParametersReplayTheFirstResponse()
    {
        var options = new CustomerCreateOptions { Email = "once@example.com", Metadata = new() { ["user_id"] = "u1" } };

        var first = await Stripe.V1.Customers.CreateAsync(options, Key("create-u1"));
        var second = await Stripe.V1.Customers.CreateAsync(options, Key("create-u1"));

        Assert.Equal(first.Id, second.Id);
        Assert.Equal("true", second.StripeResponse.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Single((await Stripe.V1.Customers.ListAsync()).Data);
        var log = await RequestLogAsync("/v1/customers");
        Assert.Equal([false, true], log.Where(r => r.GetProperty("method").GetString() == "POST").Select(r => r.GetProperty("replayed").GetBoolean()));
        Assert.All(log.Take(2), r => Assert.Equal("create-u1", r.GetProperty("idempotencyKey").GetString()));
    }

    [Fact]
    public async Task SameKeyWithOtherParametersIsAnIdempotencyError()
    {
        await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "a@example.com" }, Key("k1"));

        var e = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "idempotency_error",
            () => Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "b@example.com" }, Key("k1")));

        Assert.StartsWith("Keys for idempotent requests can only be used with the same parameters", e.StripeError.Message, StringComparison.Ordinal);
        Assert.Single((await Stripe.V1.Customers.ListAsync()).Data);
    }

    [Fact]
    public async Task KeysAreScopedByApiKey()
    {
        var a = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions(), Key("shared"));
        var b = await Server.CreateClient("sk_test_other").V1.Customers.CreateAsync(new CustomerCreateOptions(), Key("shared"));

        Assert.NotEqual(a.Id, b.Id);
    }

    [Fact]
    public async Task ConcurrentRequestsWithOneKeyCreateOneCustomer()
    {
        var options = new CustomerCreateOptions { Email = "race@example.com" };

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            Task.Run(() => Stripe.V1.Customers.CreateAsync(options, Key("race")))));

        Assert.Single(results.Select(c => c.Id).Distinct());
        Assert.Single((await Stripe.V1.Customers.ListAsync()).Data);
        var posts = (await RequestLogAsync("/v1/customers")).Where(r => r.GetProperty("method").GetString() == "POST").ToArray();
        Assert.Equal(10, posts.Length);
        Assert.Equal(9, posts.Count(r => r.GetProperty("replayed").GetBoolean()));
    }

    [Fact]
    public async Task CardErrorsAreSavedButValidationFailuresAreNot()
    {
        var customer = await NewCustomerAsync();
        var attach = new PaymentMethodAttachOptions { Customer = customer.Id };

        var first = await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error",
            () => Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa_chargeDeclined", attach, Key("attach-1")));
        var replay = await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error",
            () => Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa_chargeDeclined", attach, Key("attach-1")));
        Assert.Equal(first.StripeError.Message, replay.StripeError.Message);
        Assert.True((await RequestLogAsync("/v1/payment_methods/pm_card_visa_chargeDeclined/attach"))[1].GetProperty("replayed").GetBoolean());

        // A 400 leaves the key free: the corrected request runs, with the same key.
        var bad = new CustomerCreateOptions();
        bad.AddExtraParam("nonsense", "1");
        await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error", () => Stripe.V1.Customers.CreateAsync(bad, Key("create-2")));
        var created = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Name = "fixed" }, Key("create-2"));
        Assert.Equal("fixed", created.Name);
    }

    [Fact]
    public async Task ParameterOrderDoesNotMatter()
    {
        using var http = new HttpClient { BaseAddress = Server.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk_test_raw");

        async Task<(HttpStatusCode, string)> PostAsync(string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/customers")
            {
                Content = new StringContent(body, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
            };
            request.Headers.Add("Idempotency-Key", "ordered");
            using var response = await http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var first = await PostAsync("email=x%40example.com&metadata[a]=1&metadata[b]=2");
        var second = await PostAsync("metadata%5Bb%5D=2&email=x@example.com&metadata[a]=1");

        Assert.Equal(HttpStatusCode.OK, first.Item1);
        Assert.Equal(first, second);
    }
}
