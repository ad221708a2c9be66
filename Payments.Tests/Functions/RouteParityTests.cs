using Payments.FunctionsHostStandIn;
using Xunit;

namespace Payments.Tests.Functions;

/// <summary>The check <see cref="FunctionsDoorTests"/> makes of the two doors' routes, on metadata made here: a difference fails it.</summary>
public sealed class RouteParityTests
{
    [Fact]
    public void A_route_that_differs_from_the_Hosts_fails_the_parity_check()
    {
        var host = RouteParity.HostRoutes("api");
        var right = RouteParity.FunctionRoutes(HostRouteTable.Create([WorkerFunctions.Http("GetCard", "me/payment-methods/{id}", "get")], "api"));
        var wrongRoute = RouteParity.FunctionRoutes(HostRouteTable.Create([WorkerFunctions.Http("GetCard", "me/cards/{id}", "get")], "api"));
        var wrongMethod = RouteParity.FunctionRoutes(HostRouteTable.Create([WorkerFunctions.Http("GetCard", "me/payment-methods/{id}", "post")], "api"));
        var anyMethod = RouteParity.FunctionRoutes(HostRouteTable.Create([WorkerFunctions.Http("GetCard", "me/payment-methods/{id}")], "api"));
        var onlyGetCard = host.Where(r => r.Name == "GetCard").ToHashSet();

        Assert.Equal("", RouteParity.Differences(onlyGetCard, right));
        Assert.Contains("GetCard GET api/me/cards/{id}", RouteParity.Differences(onlyGetCard, wrongRoute), StringComparison.Ordinal);
        Assert.Contains("GetCard POST", RouteParity.Differences(onlyGetCard, wrongMethod), StringComparison.Ordinal);
        Assert.Contains("GetCard * ", RouteParity.Differences(onlyGetCard, anyMethod), StringComparison.Ordinal);
    }
}
