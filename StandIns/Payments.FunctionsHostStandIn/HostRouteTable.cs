using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace Payments.FunctionsHostStandIn;

/// <summary>One HTTP function as the host exposes it: route prefix + route template, and its methods (empty = any).</summary>
public sealed record HostRoute(string FunctionName, string Template, IReadOnlyList<string> Methods)
{
    public bool Allows(string method) => Methods.Count == 0 || Methods.Contains(method.ToUpperInvariant());
}

/// <summary>
/// Routes requests the way the Functions host does: <c>{routePrefix}/{route}</c> per HTTP function, with
/// ASP.NET Core route templates (literal segments win over parameters), the function's methods, and
/// 404 when nothing matches. Route constraints (<c>{id:int}</c>) are refused rather than ignored.
/// </summary>
public sealed class HostRouteTable
{
    private readonly List<(HostRoute Route, TemplateMatcher Matcher)> _entries;

    private HostRouteTable(List<(HostRoute, TemplateMatcher)> entries) => _entries = entries;

    public IReadOnlyList<HostRoute> Routes => _entries.Select(e => e.Route).ToList();

    public static HostRouteTable Create(IEnumerable<WorkerFunction> functions, string routePrefix)
    {
        var entries = new List<(HostRoute Route, TemplateMatcher Matcher, decimal Precedence)>();
        foreach (var function in functions.Where(f => f.IsHttp))
        {
            var template = Join(routePrefix, function.HttpRoute!);
            RouteTemplate parsed;
            try
            {
                parsed = TemplateParser.Parse(template);
            }
            catch (ArgumentException ex)
            {
                throw new FunctionsHostStandInException($"Function {function.Name}: route '{template}' is not a valid route template: {ex.Message}", ex);
            }
            if (parsed.Parameters.Any(p => p.InlineConstraints.Any()))
                throw new FunctionsHostStandInException($"Function {function.Name}: route '{template}' has constraints, which this stand-in does not check.");
            entries.Add((new HostRoute(function.Name, template, function.HttpMethods), new TemplateMatcher(parsed, new RouteValueDictionary()),
                RoutePrecedence.ComputeInbound(parsed)));
        }
        return new HostRouteTable(entries.OrderBy(e => e.Precedence).Select(e => (e.Route, e.Matcher)).ToList());
    }

    /// <summary>The function that answers this method and path, with its route values; null means 404.</summary>
    public (HostRoute Route, RouteValueDictionary Values)? Match(string method, PathString path)
    {
        foreach (var (route, matcher) in _entries)
        {
            if (!route.Allows(method))
                continue;
            var values = new RouteValueDictionary();
            if (matcher.TryMatch(path, values))
                return (route, values);
        }
        return null;
    }

    private static string Join(string prefix, string route) =>
        string.Join('/', new[] { prefix.Trim('/'), route.Trim('/') }.Where(s => s.Length > 0));
}
