using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Payments.Core.Http;

namespace Payments.Functions.OpenApi;

/// <summary>
/// The API's OpenAPI document at the Host's route (<see cref="OpenApiContract.Map"/>): the committed <c>openapi/v1.json</c>,
/// embedded at build. The worker has no ASP.NET Core endpoint table to generate it from; OpenApiDocumentTests holds
/// this copy equal to what the Host generates.
/// </summary>
public sealed class OpenApiFunctions
{
    private static readonly Lazy<string> Document = new(() =>
    {
        using var stream = typeof(OpenApiFunctions).Assembly.GetManifestResourceStream("openapi.v1.json")
            ?? throw new InvalidOperationException("openapi/v1.json was not embedded at build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    [Function("OpenApiDocument")]
    public static ContentHttpResult Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi/{documentName}.json")] HttpRequest req,
        string documentName)
    {
        OpenApiContract.EnsureKnown(documentName);
        return TypedResults.Text(Document.Value, OpenApiContract.JsonContentType);
    }
}
