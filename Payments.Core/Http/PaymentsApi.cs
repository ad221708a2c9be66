using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Payments.Core.Cards;
using Payments.Core.Catalog;
using Payments.Core.Checkout;
using Payments.Core.Health;
using Payments.Core.Invoices;
using Payments.Core.Webhooks;
using Payments.Core.Purchases;
using Payments.Core.Reconciliation;

namespace Payments.Core.Http;

/// <summary>The route table both doors expose. Payments.Functions declares the same routes, one function each.</summary>
public static class PaymentsApi
{
    public static RouteGroupBuilder MapPaymentsApi(this IEndpointRouteBuilder endpoints, string prefix = "/api")
    {
        var api = endpoints.MapGroup(prefix).RequireDeclaredPolicies();
        CardsApi.Map(api);
        CatalogApi.Map(api);
        PurchasesApi.Map(api);
        CheckoutApi.Map(api);
        WebhooksApi.Map(api);
        InvoicesApi.Map(api);
        ReconciliationApi.Map(api);
        HealthApi.Map(api);
        OpenApiContract.Map(api);
        return api;
    }
}
