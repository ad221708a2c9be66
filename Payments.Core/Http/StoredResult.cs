using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace Payments.Core.Http;

/// <summary>
/// An answer kept under an <c>Idempotency-Key</c> and replayed byte for byte to a repeat: a <typeparamref name="T"/>
/// on success (201 unless the route declares others, such as 202 while the customer authenticates), or a problem
/// the first attempt ended with. Declares the success shape to OpenAPI; the route declares its problems.
/// </summary>
[SuppressMessage("Design", "CA1000", Justification = "IEndpointMetadataProvider is a static abstract interface.")]
public sealed class Stored<T>(StoredResponse response) : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public StoredResponse Response { get; } = response;

    public int? StatusCode => Response.Status;

    public Task ExecuteAsync(HttpContext httpContext) => ProblemMapper.ToResult(Response).ExecuteAsync(httpContext);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status201Created, typeof(T), ["application/json"]));
}
