using Payments.Core.Stripe;

namespace Payments.Core.Http;

/// <summary>
/// An answer that is not a success: an HTTP status, a stable machine-readable code, and, for
/// validation, the offending field. Never carries the offending value: it may be card data.
/// </summary>
public sealed record ApiError(int Status, string Code, string Title, string? Field = null)
{
    public IReadOnlyDictionary<string, object?> Extensions { get; init; } = new Dictionary<string, object?>();

    /// <summary>Only for "try again" answers: sent as the <c>Retry-After</c> header.</summary>
    public int? RetryAfterSeconds { get; init; }

    public ApiErrorException ToException() => new(this);
}

/// <summary>Thrown by use cases and parsers; turned into problem+json by <see cref="ProblemMapper"/>.</summary>
public sealed class ApiErrorException(ApiError error) : Exception(error.Title)
{
    public ApiError Error { get; } = error;
}

public static class ApiErrors
{
    /// <summary>
    /// A card refused: Stripe's code, its decline code, and what the user should do. Here, not in Cards, because
    /// any Stripe call may be refused so (<see cref="ProblemMapper.FromProvider"/>); saving a card and paying answer the same shape.
    /// </summary>
    public static ApiError CardDeclined(string? code, string? declineCode, string message) =>
        new(402, code ?? "card_declined", message, "paymentMethodId")
        {
            Extensions = new Dictionary<string, object?>
            {
                ["declineCode"] = declineCode,
                ["nextAction"] = DeclineAdvice.ToWire(DeclineAdvice.For(code, declineCode).NextAction),
            },
        };

    public static ApiError Validation(string field, string title) => new(400, "validation_failed", title, field);
    public static ApiError MalformedJson(string? field) => new(400, "malformed_json", "The body is not valid JSON of the expected shape.", field);
    public static ApiError UnknownField(string field) => new(400, "unknown_field", "The body has a field this endpoint does not accept.", field);
    public static ApiError MissingField(string field) => new(400, "missing_field", "A required field is missing.", field);
    public static ApiError BodyTooLarge(long limit) => new(400, "body_too_large", $"The body is larger than {limit} bytes.");
    public static ApiError UnsupportedMediaType() => new(415, "unsupported_media_type", "Send the body as application/json.");
    public static ApiError Unauthenticated() => new(401, "unauthenticated", "A valid bearer token is required.");
    public static ApiError Forbidden() => new(403, "forbidden", "This route needs the admin role.");
    public static ApiError NotFound(string what) => new(404, "not_found", $"No such {what}.");
    public static ApiError PaymentProviderUnavailable() =>
        new(502, "payment_provider_unavailable", "The payment provider could not be reached; try again.") { RetryAfterSeconds = 5 };
    public static ApiError Busy() => new(503, "busy", "The service is busy; try again.") { RetryAfterSeconds = 2 };
    public static ApiError Internal() => new(500, "internal_error", "An unexpected error occurred and was logged; retrying will not help until it is fixed.");
}
