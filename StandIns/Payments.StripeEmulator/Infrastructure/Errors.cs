using System.Text.Json.Nodes;

namespace Payments.StripeEmulator;

/// <summary>
/// Thrown anywhere inside a /v1 handler to end the request with a Stripe-shaped error; the error
/// filter turns it into a <see cref="StripeResult"/> so idempotency sees it like any response.
/// </summary>
internal sealed class StripeErrorException : Exception
{
    public StripeErrorException(int status, JsonObject error)
        : base(error["message"]?.GetValue<string>())
    {
        Status = status;
        Error = error;
    }

    public int Status { get; }

    /// <summary>The inner <c>error</c> object; callers may add fields (e.g. <c>setup_intent</c>).</summary>
    public JsonObject Error { get; }

    public StripeResult ToResult() => new(Status, new JsonObject { ["error"] = Error.DeepClone() }.ToJsonString(Json.Options));
}

/// <summary>Stripe's error envelope: <c>{"error":{type, code, decline_code, param, message, ...}}</c>, nulls omitted.</summary>
internal static class StripeErrors
{
    public static StripeErrorException Create(int status, string type, string message, string? code = null, string? param = null, string? declineCode = null)
    {
        var error = new JsonObject();
        if (code is not null)
        {
            error["code"] = code;
        }

        if (declineCode is not null)
        {
            error["decline_code"] = declineCode;
        }

        if (code is not null)
        {
            error["doc_url"] = $"https://stripe.com/docs/error-codes/{code.Replace('_', '-')}";
        }

        error["message"] = message;
        if (param is not null)
        {
            error["param"] = param;
        }

        error["type"] = type;
        return new StripeErrorException(status, error);
    }

    public static StripeErrorException InvalidRequest(string message, string? param = null, string? code = null) =>
        Create(StatusCodes.Status400BadRequest, "invalid_request_error", message, code, param);

    public static StripeErrorException MissingParameter(string param) =>
        InvalidRequest($"Missing required param: {param}.", param, "parameter_missing");

    public static StripeErrorException UnknownParameter(string param) =>
        InvalidRequest($"Received unknown parameter: {param}", param, "parameter_unknown");

    /// <param name="objectName">As Stripe spells it in the message: customer, PaymentMethod, setupintent.</param>
    public static StripeErrorException ResourceMissing(string objectName, string id, string param) =>
        Create(StatusCodes.Status404NotFound, "invalid_request_error", $"No such {objectName}: '{id}'", "resource_missing", param);

    public static StripeErrorException Card(CardDecline decline) =>
        Create(StatusCodes.Status402PaymentRequired, "card_error", decline.Message, decline.Code, decline.Param, decline.DeclineCode);

    public static StripeErrorException Authentication(string message) =>
        Create(StatusCodes.Status401Unauthorized, "authentication_error", message);

    public static StripeErrorException Idempotency(string message, int status = StatusCodes.Status400BadRequest, string? code = null) =>
        Create(status, "idempotency_error", message, code);

    public static StripeErrorException UnrecognizedUrl(string method, string path) =>
        InvalidRequestWithStatus(
            StatusCodes.Status404NotFound,
            $"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.");

    /// <summary>
    /// Stripe's answer to a request over its rate limits: 429, type <c>invalid_request_error</c>, code
    /// <c>rate_limit</c> (the body Stripe sends, as captured by integrations' test fixtures).
    /// </summary>
    public static StripeErrorException RateLimited(string? message = null) =>
        Create(StatusCodes.Status429TooManyRequests, "invalid_request_error",
            message ?? "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.", "rate_limit");

    /// <summary>An injected fault, shaped like the error Stripe would send with that status.</summary>
    public static StripeErrorException Fault(int status, string? message) => status switch
    {
        StatusCodes.Status429TooManyRequests => RateLimited(message),
        StatusCodes.Status409Conflict => Create(status, "invalid_request_error",
            message ?? "This object cannot be accessed right now because another API request or Stripe process is currently accessing it.", "lock_timeout"),
        < 500 => Create(status, "invalid_request_error", message ?? "The request was refused (injected by the emulator)."),
        _ => Create(status, "api_error", message ?? "An unknown error occurred (injected by the emulator)."),
    };

    private static StripeErrorException InvalidRequestWithStatus(int status, string message) =>
        Create(status, "invalid_request_error", message);
}
