using Microsoft.AspNetCore.Http;
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
        CardsApi.Map(Capability(api, "Cards"));
        CatalogApi.Map(Capability(api, "Catalog"));
        PurchasesApi.Map(Capability(api, "Purchases"));
        CheckoutApi.Map(Capability(api, "Store checkout"));
        WebhooksApi.Map(Capability(api, "Webhooks"));
        InvoicesApi.Map(Capability(api, "Group invoices"));
        ReconciliationApi.Map(Capability(api, "Reconciliation"));
        HealthApi.Map(Capability(api, "Health"));
        OpenApiContract.Map(api);
        return api;
    }

    /// <summary>A capability's routes, tagged with its name (the document's sections; untagged they would carry the app's name, which differs by host).</summary>
    private static RouteGroupBuilder Capability(RouteGroupBuilder api, string name) => api.MapGroup("").WithTags(name);
}
