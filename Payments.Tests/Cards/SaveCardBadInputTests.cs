using System.Net.Http.Json;
using System.Text.Json;
using Payments.Core.Cards;
using Payments.Core.Http;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Cards;

[Collection(PaymentsTestGroup.Name)]
public sealed class SaveCardBadInputTests(PaymentsFixture fixture)
{
    private PaymentsHostServer Host => fixture.Host;

    public static TheoryData<string, string, string, int, string, string?> BadBodies => new()
    {
        { "malformed JSON", "{\"paymentMethodId\":", "application/json", 400, "malformed_json", null },
        { "unknown field", """{"paymentMethodId":"pm_card_visa","customerId":"cus_x"}""", "application/json", 400, "unknown_field", "customerId" },
        { "raw card number as a field", """{"number":"4242424242424242","exp_month":12}""", "application/json", 400, "unknown_field", "number" },
        { "missing field", "{}", "application/json", 400, "missing_field", "paymentMethodId" },
        { "wrong type", """{"paymentMethodId":12345}""", "application/json", 400, "malformed_json", "paymentMethodId" },
        { "not a pm_ id", """{"paymentMethodId":"card_123"}""", "application/json", 400, "validation_failed", "paymentMethodId" },
        { "token id", """{"paymentMethodId":"tok_visa"}""", "application/json", 400, "validation_failed", "paymentMethodId" },
        { "raw card number as the id", """{"paymentMethodId":"4242 4242 4242 4242"}""", "application/json", 400, "raw_card_data_rejected", "paymentMethodId" },
        { "card number inside a pm_ id", """{"paymentMethodId":"pm_4242424242424242"}""", "application/json", 400, "raw_card_data_rejected", "paymentMethodId" },
        { "oversized body", "{\"paymentMethodId\":\"pm_" + new string('a', 20_000) + "\"}", "application/json", 400, "body_too_large", null },
        { "form body", "paymentMethodId=pm_card_visa", "application/x-www-form-urlencoded", 415, "unsupported_media_type", null },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_body_is_refused_and_changes_nothing(string why, string body, string contentType, int status, string code, string? field)
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Host.ClientFor(user);
        var stripeCallsBefore = await fixture.Stripe.CountRequestsAsync();

        var problem = await HttpAssert.ProblemAsync(await client.PostRawAsync("/api/me/payment-methods", body, contentType), status, code, field);

        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()), why);
        // The card number is never echoed (8 digits of it: a random traceId holds "4242" one time in a few hundred).
        Assert.DoesNotContain("42424242", problem.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("4242 4242", problem.GetRawText(), StringComparison.Ordinal);
        Assert.Null(await Host.Get<CustomerAccounts>().FindAsync(user, default));
        Assert.Empty(await Host.Get<CardStore>().ListAsync(user, default));
        Assert.Equal(stripeCallsBefore, await fixture.Stripe.CountRequestsAsync());
    }

    [Fact]
    public async Task An_unknown_payment_method_is_refused_before_a_customer_is_made()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Host.ClientFor(user);
        var writesBefore = (await fixture.Stripe.RequestsAsync()).Count(r => r.GetProperty("method").GetString() != "GET");

        await HttpAssert.ProblemAsync(await client.PostJsonAsync("/api/me/payment-methods", new { paymentMethodId = "pm_doesNotExist123" }),
            422, "payment_method_not_found", "paymentMethodId");

        Assert.Null(await Host.Get<CustomerAccounts>().FindAsync(user, default));
        Assert.Equal(writesBefore, (await fixture.Stripe.RequestsAsync()).Count(r => r.GetProperty("method").GetString() != "GET"));
    }

    [Fact]
    public async Task No_token_is_401()
    {
        var stripeCallsBefore = await fixture.Stripe.CountRequestsAsync();
        await HttpAssert.ProblemAsync(await Host.Http.PostAsJsonAsync("/api/me/payment-methods", new { paymentMethodId = "pm_card_visa" }), 401, "unauthenticated");
        await HttpAssert.ProblemAsync(await Host.Http.GetAsync("/api/me/payment-methods"), 401, "unauthenticated");
        Assert.Equal(stripeCallsBefore, await fixture.Stripe.CountRequestsAsync());
    }

    public static TheoryData<string, string> BadTokens()
    {
        var wrongKey = new AuthOptions { DevelopmentSigningKey = "another-key-entirely-0123456789-abcdefgh" };
        var right = new AuthOptions { DevelopmentSigningKey = PaymentsHostServer.SigningKey };
        var otherAudience = new AuthOptions { DevelopmentSigningKey = PaymentsHostServer.SigningKey, Audience = "someone-else" };
        var otherIssuer = new AuthOptions { DevelopmentSigningKey = PaymentsHostServer.SigningKey, Issuer = "https://evil.example" };
        var valid = DevelopmentTokens.Mint(right, "user-x");
        return new()
        {
            { "signed with another key", DevelopmentTokens.Mint(wrongKey, "user-x") },
            { "expired", DevelopmentTokens.Mint(right, "user-x", lifetime: TimeSpan.FromMinutes(-10)) },
            { "another audience", DevelopmentTokens.Mint(otherAudience, "user-x") },
            { "another issuer", DevelopmentTokens.Mint(otherIssuer, "user-x") },
            { "tampered payload", valid[..(valid.IndexOf('.') + 2)] + (valid[valid.IndexOf('.') + 2] == 'a' ? 'b' : 'a') + valid[(valid.IndexOf('.') + 3)..] },
            { "subject unusable as a key", DevelopmentTokens.Mint(right, "a/b") },
            { "not a JWT", "hello" },
        };
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_bad_token_is_401(string why, string token)
    {
        using var client = new HttpClient { BaseAddress = Host.BaseUrl };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var problem = await HttpAssert.ProblemAsync(await client.GetAsync("/api/me/payment-methods"), 401, "unauthenticated");
        Assert.Equal(JsonValueKind.String, problem.GetProperty("title").ValueKind);
        Assert.False(string.IsNullOrEmpty(why));
    }

    [Fact]
    public async Task A_card_id_of_the_wrong_shape_is_404_without_a_lookup()
    {
        using var client = Host.ClientFor(PaymentsFixture.NewUserId());
        await HttpAssert.ProblemAsync(await client.DeleteAsync("/api/me/payment-methods/..%2Fetc"), 404, "not_found");
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/me/payment-methods/card_nope"), 404, "not_found");
    }
}
