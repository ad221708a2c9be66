using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Payments.Core.Cards;

namespace Payments.Core.Http;

/// <summary>The route table both doors expose. Payments.Functions declares the same routes, one function each.</summary>
public static class PaymentsApi
{
    public static RouteGroupBuilder MapPaymentsApi(this IEndpointRouteBuilder endpoints, string prefix = "/api")
    {
        var api = endpoints.MapGroup(prefix);
        CardsApi.Map(api);
        return api;
    }
}
