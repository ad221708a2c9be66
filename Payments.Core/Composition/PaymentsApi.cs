using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Payments.Core.Cards;
using Payments.Core.Catalog;
using Payments.Core.Checkout;
using Payments.Core.Health;
using Payments.Core.Http;
using Payments.Core.Invoices;
using Payments.Core.Purchases;
using Payments.Core.Reconciliation;
using Payments.Core.Webhooks;

namespace Payments.Core.Composition;

/// <summary>The route table both doors expose. Payments.Functions declares the same routes, one function each.</summary>
public static class PaymentsApi
{
    public static RouteGroupBuilder MapPaymentsApi(this IEndpointRouteBuilder endpoints, string prefix = "/api")
    {
        var api = endpoints.MapGroup(prefix).RequireDeclaredPolicies();
        api.MapCards().MapCatalog().MapPurchases().MapCheckout().MapWebhooks().MapInvoices().MapReconciliation().MapHealth();
        OpenApiContract.Map(api);
        return api;
    }

    /// <summary>
    /// Every route with its policy, read from the declarations the Host serves: <see cref="MapPaymentsApi"/> is mapped
    /// on an app that is built but never run, and its endpoints' metadata is read. The Functions app looks up each
    /// function's policy here by name.
    /// </summary>
    public static RoutePolicyTable DeclaredRoutes(IConfiguration configuration)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // The route handlers' services must be known for their parameters to bind as services, not bodies.
        builder.Services.AddPayments(configuration);
        builder.Services.AddPaymentsOpenApi();
        using var app = builder.Build();
        app.MapPaymentsApi();
        return RoutePolicyTable.FromEndpoints(((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints));
    }
}
