using System.Text;

namespace Payments.StripeEmulator;

/// <summary>
/// A /v1 response, kept as the exact JSON text so that an idempotent replay is byte-for-byte the
/// original.
/// </summary>
internal sealed record StripeResult(int Status, string Body) : IResult
{
    public bool Replayed { get; init; }

    public string? OriginalRequestId { get; init; }

    public static StripeResult Ok(string body) => new(StatusCodes.Status200OK, body);

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = Status;
        response.ContentType = "application/json";
        if (Replayed)
        {
            response.Headers["Idempotent-Replayed"] = "true";
            if (OriginalRequestId is not null)
            {
                response.Headers["Original-Request"] = OriginalRequestId;
            }
        }

        return response.WriteAsync(Body, Encoding.UTF8, httpContext.RequestAborted);
    }
}
