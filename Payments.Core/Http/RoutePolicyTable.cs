using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Payments.Core.Http;

/// <summary>One route as declared: its name (the Functions app's function name), method, template and policy.</summary>
public sealed record DeclaredRoute(string Name, string Method, string Template, RoutePolicy Policy)
{
    public override string ToString() => $"{Method} {Template}";
}

/// <summary>
/// Every route with its policy, read from the endpoints' metadata (the composition root builds it from the
/// declarations the Host serves). The Functions app looks up each function's policy here by name.
/// </summary>
public sealed class RoutePolicyTable(IReadOnlyList<DeclaredRoute> routes)
{
    private readonly Dictionary<string, RoutePolicy> _byName = routes.GroupBy(r => r.Name, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Select(r => r.Policy).Distinct().Single(), StringComparer.Ordinal);

    public IReadOnlyList<DeclaredRoute> Routes { get; } = routes;

    public RoutePolicy? For(string routeName) => _byName.TryGetValue(routeName, out var policy) ? policy : null;

    /// <summary>The declared routes among <paramref name="endpoints"/> (enumerating a group built with RequireDeclaredPolicies fails on an undeclared one).</summary>
    public static RoutePolicyTable FromEndpoints(IEnumerable<Endpoint> endpoints) => new(endpoints.OfType<RouteEndpoint>()
        .Where(e => e.Metadata.GetMetadata<RoutePolicyMetadata>() is not null)
        .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(method => new DeclaredRoute(
            e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? throw new InvalidOperationException($"Route {e.DisplayName} has no name."),
            method, e.RoutePattern.RawText ?? "", RoutePolicies.PolicyOf(e)!.Value)))
        .OrderBy(r => r.ToString(), StringComparer.Ordinal)
        .ToList());
}
