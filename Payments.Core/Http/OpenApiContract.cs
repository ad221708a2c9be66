using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Payments.Core.Http;

/// <summary>
/// The OpenAPI 3.1 document of the route table, generated from the routes' declarations: typed results give the
/// success shapes, the bound inputs (<see cref="Body{T}"/>, <see cref="IdempotencyKey"/>, <see cref="NoBody"/>) and
/// the route's policy give the request, the security requirement and the problems every such input can cause;
/// a route adds the problems only it answers (404 for an object it looks up, 409 for a state it refuses) with <c>ProducesProblem</c>. Any route may also answer 500
/// <c>internal_error</c> or 503 <c>busy</c> (said once, in the document's description).
/// </summary>
public static class OpenApiContract
{
    public const string DocumentName = "v1";
    public const string Path = "/api/openapi/{documentName}.json";
    public const string BearerScheme = "bearer";

    public static IServiceCollection AddPaymentsOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.AddDocumentTransformer((document, _, _) =>
            {
                Describe(document);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(DescribeOperationAsync);
        });

    /// <summary>
    /// The document's own route, declared like every other. The Host generates the document (<see cref="JsonAsync"/>,
    /// the same text the build writes to <c>openapi/v1.json</c>); the Functions app serves that committed copy.
    /// </summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/openapi/{documentName}.json", async Task<ContentHttpResult> (string documentName, IServiceProvider services, CancellationToken ct) =>
            {
                EnsureKnown(documentName);
                return TypedResults.Text(await JsonAsync(services, ct), JsonContentType);
            })
            .WithName("OpenApiDocument").ForAnyone("the API's contract: no input, no data").ExcludeFromDescription();

    public const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>Another name gets the 404 problem every door answers for an unknown object.</summary>
    public static void EnsureKnown(string documentName)
    {
        if (documentName != DocumentName)
            throw ApiErrors.NotFound("OpenAPI document").ToException();
    }

    /// <summary>The document as JSON text, generated from the app's route declarations (no request: no servers).</summary>
    public static async Task<string> JsonAsync(IServiceProvider services, CancellationToken ct)
    {
        var document = await services.GetRequiredKeyedService<IOpenApiDocumentProvider>(DocumentName).GetOpenApiDocumentAsync(ct);
        return await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1, ct);
    }

    private static void Describe(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Payments",
            Version = DocumentName,
            Description = "Saved cards, server-priced purchases, store checkout, group invoices and their operations. "
                + "Every failure is application/problem+json with a stable `code` (and the `field` for bad input). "
                + "Any route may also answer 500 `internal_error` (logged; retrying will not help) or 503 `busy` "
                + "(with Retry-After: try again).",
        };
        // Where the API is served differs per deployment; the committed document must not name a test's port.
        document.Servers = [];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A JWT whose `sub` is the user id; admin routes need the admin role.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[ProblemSchema] = Problem();
    }

    private const string ProblemSchema = "Problem";

    private static OpenApiSchema Problem() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details with our stable code; never echoes the offending value.",
        Required = new HashSet<string> { "type", "title", "status", "code" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri" },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[a-z][a-z0-9_]*$", Description = "Stable: clients branch on it." },
            ["field"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The offending field or header, for bad input." },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
        },
    };

    private static async Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var policy = metadata.OfType<RoutePolicyMetadata>().LastOrDefault();
        var body = metadata.OfType<RequestBodyMetadata>().LastOrDefault();
        var key = metadata.OfType<IdempotencyKeyMetadata>().LastOrDefault();
        var problems = new SortedSet<int>(DeclaredProblems(operation));

        if (policy?.Policy is RoutePolicy.User or RoutePolicy.Admin)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }];
            problems.Add(401);
            if (policy.Policy == RoutePolicy.Admin)
                problems.Add(403);
        }
        if (policy?.Policy == RoutePolicy.Anonymous && policy.Why is { } why)
            operation.Description = $"Anonymous: {why}.";
        if (body is not null)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = !body.Optional,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(body.Type, null, ct) },
                },
            };
            if (body.Strict)
                problems.UnionWith([400, 415]);
        }
        if (metadata.OfType<NoBodyMetadata>().Any())
            problems.Add(400);
        if (key is not null)
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "Idempotency-Key",
                In = ParameterLocation.Header,
                Required = key.Required,
                Description = "1-100 letters, digits, '-', '_', ':' or '.'; a repeat with the same body gets the first answer.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 100 },
            });
            problems.Add(400);
        }
        // Query values are checked by the route (a status, a limit, a continuation): a bad one is a 400 naming it.
        if (context.Description.ParameterDescriptions.Any(p => p.Source.Id == "Query"))
            problems.Add(400);

        operation.Responses ??= new OpenApiResponses();
        foreach (var status in problems)
        {
            operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = Describe(status),
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, context.Document) },
                },
            };
        }
    }

    /// <summary>Problems the route declared itself (<c>ProducesProblem</c>): re-described with our problem schema.</summary>
    private static IEnumerable<int> DeclaredProblems(OpenApiOperation operation) =>
        (operation.Responses ?? [])
            .Select(r => int.TryParse(r.Key, out var status) ? status : 0)
            .Where(status => status >= 400);

    private static string Describe(int status) => status switch
    {
        400 => "Bad input: the body, a header or a query value (problem `field` names it). Nothing was changed.",
        401 => "No valid bearer token.",
        402 => "The payment was declined (the card, or the funding the payer chose at PayPal); the problem says what to do next.",
        403 => "The route needs the admin role.",
        404 => "No such object, or not the caller's.",
        409 => "The object is not in a state that allows this, or the same Idempotency-Key is still being worked on.",
        415 => "The body is not application/json.",
        422 => "Well-formed but refused (an amount, a payment method, a provider's refusal).",
        500 => "Not handled: see the problem's code.",
        502 => "The payment provider could not be reached or refused our credentials.",
        503 => "Busy: try again after Retry-After.",
        _ => "A problem; see its code.",
    };

}
