using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Payments.Core.Http;
using Payments.Tests.Infra;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Http;

/// <summary>
/// The API's contract: <c>openapi/v1.json</c> is what the route declarations generate (the build writes it; a change
/// that alters it must commit it), both doors serve it at <c>/api/openapi/v1.json</c>, and it names every route with
/// its policy. What each documented problem code means in practice is checked by <see cref="HostileInputTests"/>.
/// </summary>
public abstract class OpenApiDocumentTests(DoorFixture fixture)
{
    private const string DocumentPath = "openapi/v1.json";

    /// <summary>
    /// The document as committed: from git's HEAD when this is a clone (the build may have rewritten the working copy,
    /// which then differs from HEAD until committed), else the file.
    /// </summary>
    public static string Committed()
    {
        var git = Process.Start(new ProcessStartInfo("git", ["-C", InfraTests.RepoRoot, "show", $"HEAD:{DocumentPath}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var text = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        return git.ExitCode == 0 ? text : File.ReadAllText(Path.Combine(InfraTests.RepoRoot, DocumentPath));
    }

    [Fact]
    public async Task The_door_serves_the_committed_document()
    {
        using var response = await fixture.Door.Http.GetAsync("/api/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var served = await response.Content.ReadAsStringAsync();
        Assert.True(served == Committed(),
            $"The {fixture.Door.GetType().Name} serves another document than the committed {DocumentPath}: build (it rewrites the file) and commit it.");
    }

    [Fact]
    public async Task An_unknown_document_is_404()
    {
        using var response = await fixture.Door.Http.GetAsync("/api/openapi/v2.json");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}

[Collection(PaymentsTestGroup.Name)]
public sealed class OpenApiDocumentThroughTheHost(PaymentsFixture fixture) : OpenApiDocumentTests(fixture)
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    [Fact]
    public async Task The_committed_document_is_what_the_declarations_generate()
    {
        var generated = await OpenApiContract.JsonAsync(fixture.Host.Services, CancellationToken.None);
        Assert.True(generated == Committed(), "openapi/v1.json differs from what the routes declare: build (it rewrites the file) and commit it.");
    }

    [Fact]
    public async Task In_development_the_host_serves_the_api_reference_to_a_browser_without_a_token_and_not_elsewhere()
    {
        await using var development = await PaymentsHostServer.StartAsync(
            fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl, "environment=Development", "Storage:CreateIfMissing=true");
        var page = await development.Http.GetAsync("/api/reference");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        // What the page loads, anonymously too: its scripts beside it, and our document (Scalar names it from the site's root).
        Assert.True(html.Contains("\"url\":\"api/openapi/v1.json\"", StringComparison.Ordinal), html);
        foreach (var asset in new[] { "scalar.js", "scalar.aspnetcore.js" })
            Assert.Equal(HttpStatusCode.OK, (await development.Http.GetAsync(new Uri(page.RequestMessage!.RequestUri!, asset))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await development.Http.GetAsync("/api/openapi/v1.json")).StatusCode);

        // Outside Development it is not there at all, even for a signed-in user.
        using var signedIn = fixture.Host.ClientFor(PaymentsFixture.NewUserId());
        Assert.Equal(HttpStatusCode.NotFound, (await signedIn.GetAsync("/api/reference")).StatusCode);
    }

    [Fact]
    public void Every_declared_route_is_documented_with_its_policy()
    {
        var document = JsonNode.Parse(Committed())!;
        Assert.Equal("3.1.1", document["openapi"]!.GetValue<string>());
        var operations = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Where(o => Methods.Contains(o.Key)).Select(o => (Path: path.Key, Method: o.Key.ToUpperInvariant(), Operation: o.Value!)))
            .ToDictionary(o => o.Operation["operationId"]!.GetValue<string>());
        var declared = new RoutePolicyThroughTheHost(fixture).DeclaredRoutes().Where(r => r.Name != "OpenApiDocument").ToList();

        Assert.Equal(declared.Select(r => r.Name).Order(StringComparer.Ordinal), operations.Keys.Order(StringComparer.Ordinal));
        foreach (var route in declared)
        {
            var (path, method, operation) = operations[route.Name];
            Assert.Equal($"{route.Method} {route.Template}", $"{method} {path}");
            var secured = operation["security"] is JsonArray { Count: > 0 };
            var responses = operation["responses"]!.AsObject().Select(r => r.Key).ToHashSet();
            Assert.True(secured == (route.Policy != RoutePolicy.Anonymous), $"{route.Name}: security does not match its {route.Policy} policy");
            Assert.True(responses.Contains("401") == (route.Policy != RoutePolicy.Anonymous), $"{route.Name}: 401 does not match its {route.Policy} policy");
            Assert.True(responses.Contains("403") == (route.Policy == RoutePolicy.Admin), $"{route.Name}: 403 does not match its {route.Policy} policy");
            Assert.Contains(responses, r => r.StartsWith('2'));
        }
    }
}

[Collection(FunctionsTestGroup.Name)]
public sealed class OpenApiDocumentThroughFunctions(FunctionsFixture fixture) : OpenApiDocumentTests(fixture);
