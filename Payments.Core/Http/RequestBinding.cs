using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace Payments.Core.Http;

/// <summary>
/// A request record's own rules, checked once its JSON is read: the first rule broken, as a 400 naming
/// the field. The one validation mechanism of the routes: <see cref="Body{T}"/> runs it for every body.
/// </summary>
public interface IValidatedRequest
{
    ApiError? Validate();
}

/// <summary>A body that may be left out: the record it stands for when nothing is sent (say a full capture).</summary>
public interface IOptionalRequest<TSelf> where TSelf : class
{
    static abstract TSelf WhenEmpty { get; }
}

/// <summary>
/// A route's JSON body, bound by both doors the same way: read strictly by <see cref="JsonBody"/>, then
/// validated by the record (<see cref="IValidatedRequest"/>). A failure throws <see cref="ApiErrorException"/>,
/// which each door's one error mapper answers as problem+json. Declares the body to OpenAPI.
/// </summary>
[SuppressMessage("Design", "CA1000", Justification = "IBindableFromHttpContext is a static abstract interface: the binder must be static.")]
public sealed class Body<T> : IBindableFromHttpContext<Body<T>>, IEndpointParameterMetadataProvider where T : class
{
    private Body(T value) => Value = value;

    public T Value { get; }

    public static async ValueTask<Body<T>?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        new(Validated(await JsonBody.ReadAsync<T>(context.Request, context.RequestAborted)));

    internal static T Validated(T value) =>
        value is IValidatedRequest validated && validated.Validate() is { } error ? throw error.ToException() : value;

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new RequestBodyMetadata(typeof(T), Optional: false, Strict: true));
}

/// <summary>As <see cref="Body{T}"/>, for routes whose body may be left out entirely.</summary>
[SuppressMessage("Design", "CA1000", Justification = "IBindableFromHttpContext is a static abstract interface: the binder must be static.")]
public sealed class OptionalBody<T> : IBindableFromHttpContext<OptionalBody<T>>, IEndpointParameterMetadataProvider
    where T : class, IOptionalRequest<T>
{
    private OptionalBody(T value) => Value = value;

    public T Value { get; }

    public static async ValueTask<OptionalBody<T>?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        new(Body<T>.Validated(await JsonBody.ReadOptionalAsync(context.Request, T.WhenEmpty, context.RequestAborted)));

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new RequestBodyMetadata(typeof(T), Optional: true, Strict: true));
}

/// <summary>A route that takes no body: one sent anyway is refused (400 <c>body_not_allowed</c>), as an unknown field would be.</summary>
public sealed class NoBody : IBindableFromHttpContext<NoBody>, IEndpointParameterMetadataProvider
{
    private static readonly NoBody None = new();

    public static ValueTask<NoBody?> BindAsync(HttpContext context, ParameterInfo parameter) => ValueTask.FromResult<NoBody?>(Read(context.Request));

    internal static NoBody Read(HttpRequest request)
    {
        JsonBody.RequireNone(request);
        return None;
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => builder.Metadata.Add(new NoBodyMetadata());
}

public sealed record NoBodyMetadata;

/// <summary>
/// The JSON body a route reads, for the OpenAPI document. Not ASP.NET Core's <c>IAcceptsMetadata</c>: routing would
/// answer a wrong content type itself, without our problem code. <paramref name="Strict"/>: read by <see cref="JsonBody"/>,
/// so it can answer 400 (shape, size, fields) and 415 (not JSON).
/// </summary>
public sealed record RequestBodyMetadata(Type Type, bool Optional, bool Strict);

/// <summary>The <c>Idempotency-Key</c> header a route takes, and whether it requires one; read by the OpenAPI document.</summary>
public sealed record IdempotencyKeyMetadata(bool Required);

/// <summary>A required <c>Idempotency-Key</c> header, checked (it becomes part of a table key).</summary>
public sealed record IdempotencyKey(string Value) : IBindableFromHttpContext<IdempotencyKey>, IEndpointParameterMetadataProvider
{
    public static ValueTask<IdempotencyKey?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult<IdempotencyKey?>(Read(context.Request));

    internal static IdempotencyKey Read(HttpRequest request) => new(IdempotentRequests.RequireKey(request));

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => builder.Metadata.Add(new IdempotencyKeyMetadata(true));
}

/// <summary>An optional <c>Idempotency-Key</c>: without one the request simply is not deduplicated.</summary>
public sealed record OptionalIdempotencyKey(string? Value) : IBindableFromHttpContext<OptionalIdempotencyKey>, IEndpointParameterMetadataProvider
{
    public static ValueTask<OptionalIdempotencyKey?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult<OptionalIdempotencyKey?>(Read(context.Request));

    internal static OptionalIdempotencyKey Read(HttpRequest request) => new(IdempotentRequests.OptionalKey(request));

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => builder.Metadata.Add(new IdempotencyKeyMetadata(false));
}

/// <summary>
/// The Functions door's binding: each function reads its route's inputs through these, the same steps the Host's
/// minimal APIs take through <c>BindAsync</c>, in the order the route declares them.
/// </summary>
public static class RequestInputs
{
    public static Caller Caller(this HttpRequest request) => request.HttpContext.Caller();

    public static async Task<Body<T>> BodyAsync<T>(this HttpRequest request) where T : class =>
        (await Body<T>.BindAsync(request.HttpContext, null!))!;

    public static async Task<OptionalBody<T>> OptionalBodyAsync<T>(this HttpRequest request) where T : class, IOptionalRequest<T> =>
        (await OptionalBody<T>.BindAsync(request.HttpContext, null!))!;

    public static NoBody NoBody(this HttpRequest request) => Http.NoBody.Read(request);

    public static IdempotencyKey IdempotencyKey(this HttpRequest request) => Http.IdempotencyKey.Read(request);

    public static OptionalIdempotencyKey OptionalIdempotencyKey(this HttpRequest request) => Http.OptionalIdempotencyKey.Read(request);

    public static PageQuery Page(this HttpRequest request) => PageQuery.From(request);

    public static string? Query(this HttpRequest request, string name) => request.Query.TryGetValue(name, out var values) ? values.ToString() : null;
}
