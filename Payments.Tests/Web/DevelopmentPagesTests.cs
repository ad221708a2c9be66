using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Payments.Host.Web;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Web;

/// <summary>
/// What the Host serves for the pages in Development, and that it serves none of it elsewhere: the development sign-in
/// above all (it would let anyone be anyone). These are page routes, outside /api: not in the OpenAPI document, not in
/// Core's route table that the Functions app must match (RouteParity compares Core's table, which never has them).
/// </summary>
[Collection(WebTestGroup.Name)]
public sealed class DevelopmentPagesTests(WebFixture fixture)
{
    [Fact]
    public async Task The_development_sign_in_mints_the_token_the_CLI_mints_and_the_API_takes_it()
    {
        var response = await fixture.Host.Http.PostAsJsonAsync(WebPages.SignInRoute, new { userId = "zoe", email = "zoe@example.test", admin = true });
        var body = await HttpAssert.JsonAsync(response, HttpStatusCode.OK);
        var token = new JsonWebToken(body.GetProperty("token").GetString());

        Assert.Equal("zoe", token.Subject);
        Assert.Equal("zoe@example.test", token.GetClaim("email").Value);
        Assert.Equal("admin", token.GetClaim("roles").Value);
        using var api = new HttpClient { BaseAddress = fixture.Host.BaseUrl };
        api.DefaultRequestHeaders.Authorization = new("Bearer", token.EncodedToken);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/products")).StatusCode);

        await HttpAssert.ProblemAsync(await fixture.Host.Http.PostAsJsonAsync(WebPages.SignInRoute, new { userId = "a/b" }), 400, "validation_failed", "userId");
    }

    [Fact]
    public async Task The_pages_their_files_and_a_config_naming_the_StripeJs_stand_in_are_served_without_a_token()
    {
        foreach (var path in new[] { "/", "/invoices", "/invoices/inv_anything", "/cards", "/sign-in" })
        {
            var page = await fixture.Host.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(HttpStatusCode.OK, (await fixture.Host.Http.GetAsync("/js/invoice.js")).StatusCode);
        var config = await fixture.Host.Http.GetStringAsync("/config.js");
        Assert.Contains($"\"stripeJsUrl\": \"{fixture.Stripe.BaseUrl.ToString().TrimEnd('/')}/v3/\"", config, StringComparison.Ordinal);
        Assert.Contains("\"stripePublishableKey\": \"pk_test_", config, StringComparison.Ordinal);
        Assert.Contains("export async function getToken()", config, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_api_the_Host_routes_only_the_pages_their_config_and_the_sign_in()
    {
        var routes = fixture.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText ?? "")
            .Where(t => !t.StartsWith("/api/", StringComparison.Ordinal) && !t.StartsWith("api/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        string[] expected = [.. WebPages.Pages.Keys, "/config.js", WebPages.SignInRoute];
        Assert.Equal(expected.Order(StringComparer.Ordinal), routes);
    }
}

/// <summary>The Host outside Development (the shared Testing host): no sign-in, no pages, no config.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class NoPagesOutsideDevelopmentTests(PaymentsFixture fixture)
{
    [Fact]
    public async Task The_sign_in_answers_404_and_no_page_is_served()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Host.Http.PostAsJsonAsync(WebPages.SignInRoute, new { userId = "mallory", admin = true })).StatusCode);
        // Paths the Host does not route meet the API's fallback policy (401 without a token), as any unknown path does.
        foreach (var path in new[] { "/invoices", "/invoices/inv_x", "/cards", "/sign-in", "/config.js", "/app.css", "/js/invoice.js" })
        {
            var response = await fixture.Host.Http.GetAsync(path);
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized, $"{path}: {response.StatusCode}");
            Assert.NotEqual("text/html", response.Content.Headers.ContentType?.MediaType);
        }
    }
}
