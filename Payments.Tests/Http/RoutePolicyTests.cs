using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Payments.Core.Http;
using Payments.Tests.Infrastructure;
using Xunit;
using Payments.Core.Composition;

namespace Payments.Tests.Http;

/// <summary>
/// Every route declares who may call it, once, where it is mapped; both doors enforce the declaration:
/// no token is 401, a user on an admin route 403 (our problem+json), before the route reads anything.
/// </summary>
public abstract class RoutePolicyTests(DoorFixture fixture)
{
    /// <summary>The routes open without a token, and why each may be.</summary>
    public static readonly string[] AnonymousRoutes =
        ["GET /api/health/live", "GET /api/health/ready", "GET /api/openapi/{documentName}.json", "POST /api/paypal/webhook", "POST /api/stripe/webhook"];

    /// <summary>The staff routes; everything else needs a signed-in user.</summary>
    public static readonly string[] AdminRoutes =
    [
        "GET /api/fulfilment-orders", "GET /api/organisations", "GET /api/products", "GET /api/purchases", "GET /api/purchases/{id}",
        "GET /api/reconciliation/findings", "GET /api/sales/{id}", "GET /api/webhook-events", "GET /api/webhook-events/{id}",
        "POST /api/fulfilment-orders/{id}/shipment", "POST /api/invoices/deadline-sweep", "POST /api/products/{id}/deactivate",
        "POST /api/purchases/authorization-sweep", "POST /api/purchases/{id}/cancel", "POST /api/purchases/{id}/capture",
        "POST /api/purchases/{id}/refunds", "POST /api/purchases/{id}/shipment", "POST /api/reconciliation/runs",
        "POST /api/webhook-events/replay-failed", "POST /api/webhook-events/resync", "POST /api/webhook-events/{id}/replay",
        "PUT /api/products/{id}",
    ];

    protected DoorFixture Fixture => fixture;

    /// <summary>The declarations both doors serve, read as the Functions app reads them.</summary>
    public IReadOnlyList<DeclaredRoute> DeclaredRoutes() => Declared().Routes;

    protected RoutePolicyTable Declared() => PaymentsApi.DeclaredRoutes(new ConfigurationBuilder().AddInMemoryCollection(
        PaymentsHostServer.Settings(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl, "Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;")
            .Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => (string?)p[1])).Build());

    [Fact]
    public async Task Without_a_token_only_the_anonymous_routes_answer_and_a_user_is_refused_every_admin_route()
    {
        var declared = Declared().Routes;
        using var user = fixture.Door.ClientFor(PaymentsFixture.NewUserId());
        var wrong = new List<string>();
        foreach (var (_, method, template, policy) in declared.Where(r => r.Policy != RoutePolicy.Anonymous))
        {
            var path = template.Replace("{id}", "x_1", StringComparison.Ordinal).Replace("{memberId}", "u_1", StringComparison.Ordinal);
            await ExpectAsync(fixture.Door.Http, method, path, 401, "unauthenticated", wrong);
            if (policy == RoutePolicy.Admin)
                await ExpectAsync(user, method, path, 403, "forbidden", wrong);
        }
        Assert.Empty(wrong);
    }

    private static async Task ExpectAsync(HttpClient client, string method, string path, int status, string code, List<string> wrong)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT")
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != status || response.Content.Headers.ContentType?.MediaType != "application/problem+json" || !body.Contains($"\"code\":\"{code}\"", StringComparison.Ordinal))
            wrong.Add($"{method} {path} → {(int)response.StatusCode} {body}");
    }
}

[Collection(PaymentsTestGroup.Name)]
public sealed class RoutePolicyThroughTheHost(PaymentsFixture fixture) : RoutePolicyTests(fixture)
{
    private PaymentsHostServer Host => ((PaymentsFixture)Fixture).Host;

    [Fact]
    public void Each_route_declares_its_policy_and_only_the_signed_webhook_and_the_probes_are_anonymous()
    {
        // What the Host serves (building its endpoints would fail on a route without a policy) ...
        var served = RoutePolicyTable.FromEndpoints(Host.Services.GetRequiredService<EndpointDataSource>().Endpoints).Routes
            .Where(r => r.Template.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        var routes = Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Count(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true);

        Assert.Equal(routes, served.Count);
        Assert.Equal(AnonymousRoutes, served.Where(r => r.Policy == RoutePolicy.Anonymous).Select(r => r.ToString()));
        Assert.Equal(AdminRoutes, served.Where(r => r.Policy == RoutePolicy.Admin).Select(r => r.ToString()));
        // ... is what the Functions app reads for its functions, by route name.
        Assert.Equal(served, Declared().Routes);
    }

    [Fact]
    public void A_route_mapped_without_a_policy_is_never_served()
    {
        using var app = WebApplication.CreateSlimBuilder().Build();
        var api = app.MapGroup("/api").RequireDeclaredPolicies();
        api.MapGet("/declared", () => "ok").ForUsers();
        api.MapGet("/forgotten", () => "open?");

        var failure = Assert.Throws<InvalidOperationException>(() => ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).ToList());
        Assert.Contains("/api/forgotten", failure.Message, StringComparison.Ordinal);
        Assert.Contains("declares no policy", failure.Message, StringComparison.Ordinal);
    }
}

[Collection(FunctionsTestGroup.Name)]
public sealed class RoutePolicyThroughFunctions(FunctionsFixture fixture) : RoutePolicyTests(fixture);
