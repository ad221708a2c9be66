using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Payments.Core;
using Payments.Core.Http;
using Payments.Core.Queues;
using Xunit;

namespace Payments.Tests.Infra;

/// <summary>
/// Payments.Functions cannot be built here (our feed lacks the worker packages), so its sources are
/// read as text: every [Function] must match a route the Host maps from Core (same name, method and
/// route), every queue in <see cref="QueueNames.All"/> needs a Service Bus trigger, and every
/// function stays a single expression that hands over to Core.
/// </summary>
public sealed partial class FunctionsParityTests
{
    private static string FunctionsDir => Path.Combine(InfraTests.RepoRoot, "Payments.Functions");

    [Fact]
    public void HttpFunctionsExposeExactlyTheHostRoutes()
    {
        var prefix = RoutePrefix();
        var host = HostEndpoints(prefix);
        var functions = Functions()
            .Where(f => f.Trigger == TriggerKind.Http)
            .SelectMany(f => f.HttpMethods.Select(m => new Route(f.Name, m, Join(prefix, f.Target))))
            .ToHashSet();

        Assert.NotEmpty(host);
        var onlyHost = host.Except(functions).Select(r => r.ToString()).Order(StringComparer.Ordinal).ToList();
        var onlyFunctions = functions.Except(host).Select(r => r.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.True(onlyHost.Count == 0 && onlyFunctions.Count == 0,
            $"Routes differ.\nOnly in the Host (add a [Function] to Payments.Functions):\n  {string.Join("\n  ", onlyHost)}" +
            $"\nOnly in Payments.Functions:\n  {string.Join("\n  ", onlyFunctions)}");
    }

    [Fact]
    public void EveryQueueHasAServiceBusTriggerThatDispatchesToIt()
    {
        var triggers = Functions().Where(f => f.Trigger == TriggerKind.ServiceBus).ToList();

        var missing = QueueNames.All.Where(q => triggers.All(t => t.Target != q)).ToList();
        Assert.True(missing.Count == 0, $"No [ServiceBusTrigger] in Payments.Functions for: {string.Join(", ", missing)}");

        foreach (var trigger in triggers)
        {
            Assert.Contains(trigger.Target, QueueNames.All);
            Assert.Equal("ServiceBusConnection", trigger.Connection);
            Assert.Contains($"DispatchAsync(\"{trigger.Target}\",", trigger.Body, StringComparison.Ordinal);
        }
        Assert.Equal(triggers.Count, triggers.Select(t => t.Target).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void EveryFunctionIsASingleExpression()
    {
        var functions = Functions();
        Assert.NotEmpty(functions);
        Assert.Equal(functions.Count, functions.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count());
        foreach (var function in functions)
        {
            Assert.True(function.IsExpressionBodied, $"[Function(\"{function.Name}\")] must be one `=> call` expression, not a block body.");
            Assert.DoesNotContain("{", function.Body, StringComparison.Ordinal);
            Assert.True(function.Trigger != TriggerKind.None, $"[Function(\"{function.Name}\")] has no HttpTrigger, ServiceBusTrigger or TimerTrigger.");
        }
    }

    // --- The Host side: Core's route table on a bare WebApplication ------------------------------

    private static HashSet<Route> HostEndpoints(string prefix)
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
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => new Route(
                e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? $"(unnamed {e.RoutePattern.RawText})",
                m.ToUpperInvariant(),
                Normalize(e.RoutePattern.RawText ?? ""))))
            .ToHashSet();
    }

    private static string RoutePrefix()
    {
        var hostJson = JsonNode.Parse(File.ReadAllText(Path.Combine(InfraTests.RepoRoot, "host.json")));
        return hostJson?["extensions"]?["http"]?["routePrefix"]?.GetValue<string>() ?? "api";
    }

    private static string Join(string prefix, string route) => Normalize($"{prefix}/{route}");

    private static string Normalize(string route) => route.Trim('/');

    private sealed record Route(string Name, string Method, string Path)
    {
        public override string ToString() => $"{Name} {Method} {Path}";
    }

    // --- The Functions side: [Function] methods read from source ---------------------------------

    private enum TriggerKind { None, Http, ServiceBus, Timer }

    private sealed record FunctionSource(
        string Name, TriggerKind Trigger, IReadOnlyList<string> HttpMethods, string Target, string? Connection,
        bool IsExpressionBodied, string Body);

    private static List<FunctionSource> Functions()
    {
        Assert.True(Directory.Exists(FunctionsDir), $"{FunctionsDir} is missing.");
        var files = Directory.EnumerateFiles(FunctionsDir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                     && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        return files.SelectMany(f => Parse(File.ReadAllText(f))).ToList();
    }

    /// <summary>
    /// Splits a file at each [Function("...")] attribute and reads the method that follows:
    /// its parameter list (for the trigger attribute) and what comes after the list.
    /// </summary>
    private static IEnumerable<FunctionSource> Parse(string source)
    {
        var starts = FunctionAttribute().Matches(source).ToList();
        for (var i = 0; i < starts.Count; i++)
        {
            var name = starts[i].Groups["name"].Value;
            var end = i + 1 < starts.Count ? starts[i + 1].Index : source.Length;
            var text = source[(starts[i].Index + starts[i].Length)..end];

            // The method's parameter list: the first '(' after the method name, balanced.
            var header = MethodHeader().Match(text);
            Assert.True(header.Success, $"[Function(\"{name}\")]: no method declaration follows.");
            var open = header.Index + header.Length - 1;
            var close = MatchingParen(text, open);
            var parameters = text[(open + 1)..close];
            var rest = text[(close + 1)..].TrimStart();

            var isExpression = rest.StartsWith("=>", StringComparison.Ordinal);
            var body = isExpression ? rest[2..rest.IndexOf(';', StringComparison.Ordinal)].Trim() : rest;

            var http = HttpTrigger().Match(parameters);
            var serviceBus = ServiceBusTrigger().Match(parameters);
            if (http.Success)
            {
                var methods = StringLiteral().Matches(http.Groups["methods"].Value).Select(m => m.Groups["value"].Value.ToUpperInvariant()).ToList();
                yield return new FunctionSource(name, TriggerKind.Http, methods, http.Groups["route"].Value, null, isExpression, body);
            }
            else if (serviceBus.Success)
            {
                yield return new FunctionSource(name, TriggerKind.ServiceBus, [], serviceBus.Groups["queue"].Value,
                    serviceBus.Groups["connection"].Value, isExpression, body);
            }
            else if (TimerTrigger().Match(parameters) is { Success: true } timer)
            {
                yield return new FunctionSource(name, TriggerKind.Timer, [], timer.Groups["schedule"].Value, null, isExpression, body);
            }
            else
            {
                yield return new FunctionSource(name, TriggerKind.None, [], "", null, isExpression, body);
            }
        }
    }

    private static int MatchingParen(string text, int open)
    {
        var depth = 0;
        var inString = false;
        for (var i = open; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
                continue;
            }
            switch (c)
            {
                case '"': inString = true; break;
                case '(': depth++; break;
                case ')' when --depth == 0: return i;
            }
        }
        throw new InvalidOperationException("Unbalanced parentheses in a Functions source file.");
    }

    [GeneratedRegex(@"\[Function\(\s*""(?<name>[^""]+)""\s*\)\]")]
    private static partial Regex FunctionAttribute();

    /// <summary>"public Task&lt;IResult&gt; Save(" — access modifiers, a return type, a name, then '('.</summary>
    [GeneratedRegex(@"(public|internal|private)\s+(static\s+)?(async\s+)?[\w<>\[\]?,\s.]+?\s+\w+\s*\(")]
    private static partial Regex MethodHeader();

    [GeneratedRegex(@"\[HttpTrigger\(\s*AuthorizationLevel\.\w+\s*,(?<methods>(\s*""[^""]*""\s*,)+)\s*Route\s*=\s*""(?<route>[^""]*)""\s*\)\]")]
    private static partial Regex HttpTrigger();

    [GeneratedRegex(@"\[ServiceBusTrigger\(\s*""(?<queue>[^""]+)""\s*,\s*Connection\s*=\s*""(?<connection>[^""]+)""")]
    private static partial Regex ServiceBusTrigger();

    [GeneratedRegex(@"\[TimerTrigger\(\s*""(?<schedule>[^""]+)""")]
    private static partial Regex TimerTrigger();

    [GeneratedRegex(@"""(?<value>[^""]*)""")]
    private static partial Regex StringLiteral();
}
