using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Payments.Core.Http;

/// <summary>Who may call a route. Every route declares one; a route without one is not served by either door.</summary>
public enum RoutePolicy
{
    /// <summary>No token: the route proves its caller otherwise (Stripe's signature) or needs none (health probes).</summary>
    Anonymous,
    /// <summary>A valid bearer token; the user id is its <c>sub</c>.</summary>
    User,
    /// <summary>A valid bearer token with the admin role.</summary>
    Admin,
}

/// <summary>Endpoint metadata carrying a route's policy, read by the Host's authorization and the Functions app's middleware alike.</summary>
public sealed record RoutePolicyMetadata(RoutePolicy Policy, string? Why = null);

public static class RoutePolicies
{
    /// <summary>ASP.NET Core authorization policy names (the Host).</summary>
    public const string UserPolicy = "payments-user";
    public const string AdminPolicy = "payments-admin";

    public static TBuilder ForUsers<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(new RoutePolicyMetadata(RoutePolicy.User)).RequireAuthorization(UserPolicy);

    public static TBuilder ForAdmins<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(new RoutePolicyMetadata(RoutePolicy.Admin)).RequireAuthorization(AdminPolicy);

    /// <param name="why">What stands in for a token (said here so that nobody opens a route by accident).</param>
    public static TBuilder ForAnyone<TBuilder>(this TBuilder endpoint, string why) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(new RoutePolicyMetadata(RoutePolicy.Anonymous, why)).AllowAnonymous();

    /// <summary>Fails building any endpoint of the group that declares no policy: such a route is never served.</summary>
    public static TBuilder RequireDeclaredPolicies<TBuilder>(this TBuilder group) where TBuilder : IEndpointConventionBuilder
    {
        group.Finally(endpoint =>
        {
            if (!endpoint.Metadata.OfType<RoutePolicyMetadata>().Any())
                throw new InvalidOperationException($"Route {endpoint.DisplayName} declares no policy: call ForUsers(), ForAdmins() or ForAnyone(why) where it is mapped.");
        });
        return group;
    }

    public static RoutePolicy? PolicyOf(Endpoint endpoint) => endpoint.Metadata.GetMetadata<RoutePolicyMetadata>()?.Policy;
}
