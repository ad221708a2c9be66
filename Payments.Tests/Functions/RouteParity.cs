using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Payments.Core;
using Payments.Core.Http;
using Payments.FunctionsHostStandIn;
using Payments.Core.Composition;

namespace Payments.Tests.Functions;

/// <summary>One HTTP route of a door: the function or endpoint name, one method, the full template.</summary>
public sealed record DoorRoute(string Name, string Method, string Template)
{
    public override string ToString() => $"{Name} {Method} {Template}";
}

/// <summary>The two doors' HTTP routes side by side: the Host's endpoints from Core's route table, and the worker's metadata as the host routes it.</summary>
public static class RouteParity
{
    /// <summary>
    /// Core's route table as the Host maps it (endpoint names, methods, templates under the prefix): the API, built from
    /// <c>MapPaymentsApi</c> alone. The Host's own routes outside it are left out on purpose, because the Functions app
    /// must not have them: the development API reference (/api/reference) and the pages in web/ with their development
    /// sign-in (Payments.Host/Web/WebPages.cs, Development only; in Azure the pages are a static site, docs/web.md).
    /// Web.DevelopmentPagesTests pins what those are, so no API route can hide among them.
    /// </summary>
    public static HashSet<DoorRoute> HostRoutes(string prefix)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Registrations only (nothing is resolved): minimal APIs need to know CardsApi is a service,
        // otherwise they would infer it as a request body.
        builder.Services.AddPayments(builder.Configuration);
        using var app = builder.Build();
        app.MapPaymentsApi("/" + prefix);

        return ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(d => d.Endpoints)
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => new DoorRoute(
                e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? $"(unnamed {e.RoutePattern.RawText})",
                m.ToUpperInvariant(),
                (e.RoutePattern.RawText ?? "").Trim('/'))))
            .ToHashSet();
    }

    /// <summary>The worker's HTTP functions as the host routes them; a function without methods takes any method, which no Host route does.</summary>
    public static HashSet<DoorRoute> FunctionRoutes(HostRouteTable table) =>
        table.Routes
            .SelectMany(r => (r.Methods.Count == 0 ? ["*"] : r.Methods).Select(m => new DoorRoute(r.FunctionName, m, r.Template)))
            .ToHashSet();

    /// <summary>Empty when the doors agree; otherwise what to fix, one line per route.</summary>
    public static string Differences(IReadOnlySet<DoorRoute> host, IReadOnlySet<DoorRoute> functions)
    {
        var onlyHost = host.Except(functions).Select(r => r.ToString()).Order(StringComparer.Ordinal).ToList();
        var onlyFunctions = functions.Except(host).Select(r => r.ToString()).Order(StringComparer.Ordinal).ToList();
        if (onlyHost.Count == 0 && onlyFunctions.Count == 0)
            return "";
        return $"Routes differ.\nOnly in the Host (add a [Function] to Payments.Functions):\n  {string.Join("\n  ", onlyHost)}" +
               $"\nOnly in Payments.Functions:\n  {string.Join("\n  ", onlyFunctions)}";
    }
}
