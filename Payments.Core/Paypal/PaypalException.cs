namespace Payments.Core.Paypal;

/// <summary>What a PayPal failure means for the caller (the table is <see cref="PaypalErrors.Categorize"/>).</summary>
public enum PaypalErrorCategory
{
    /// <summary>Try again later with the same request id: PayPal was down, busy, rate-limiting, or still finishing an earlier request.</summary>
    Retry,
    /// <summary>The payer must go back to PayPal (the approve link) and choose another way to pay, or approve first.</summary>
    SendPayerBack,
    /// <summary>Refused as asked: trying again unchanged fails again (a bad amount, an expired authorization, a refund too large, our credentials).</summary>
    Final,
    /// <summary>
    /// The object has already moved past this step (captured, authorized, voided): typically the answer to a
    /// request whose first answer was lost. Read the object and act on its state; it is not always the effect
    /// that was asked for (a void answered <c>PREVIOUSLY_CAPTURED</c> means the money was taken).
    /// </summary>
    AlreadyDone,
}

/// <summary>One entry of PayPal's <c>details</c>: <c>issue</c> is the fine-grained code (<c>INSTRUMENT_DECLINED</c>).</summary>
public sealed record PaypalErrorDetail(string? Issue, string? Field, string? Value, string? Location, string? Description);

/// <summary>
/// A PayPal failure in our terms: PayPal's <c>name</c> (<c>UNPROCESSABLE_ENTITY</c>), the first detail's
/// <c>issue</c>, the <c>debug_id</c> to quote to PayPal support, the HTTP status (null when no answer came) and
/// what it means (<see cref="Category"/>). The message is PayPal's <c>message</c>; it never holds a secret.
/// </summary>
public sealed class PaypalException(
    PaypalErrorCategory category, string operation, int? httpStatus, string? name, string? issue, string? debugId, string message,
    IReadOnlyList<PaypalErrorDetail>? details = null, Exception? inner = null)
    : Exception(message, inner)
{
    public PaypalErrorCategory Category { get; } = category;
    /// <summary>Ours: <c>orders.create</c>, <c>authorizations.capture</c>, … (as in <c>payments.paypal.calls</c>).</summary>
    public string Operation { get; } = operation;
    public int? HttpStatus { get; } = httpStatus;
    public string? Name { get; } = name;
    public string? Issue { get; } = issue;
    public string? DebugId { get; } = debugId;
    public IReadOnlyList<PaypalErrorDetail> Details { get; } = details ?? [];

    /// <summary>PayPal has no such object (404, <c>RESOURCE_NOT_FOUND</c>, <c>INVALID_RESOURCE_ID</c>).</summary>
    public bool IsNotFound => HttpStatus == 404 || Name == "RESOURCE_NOT_FOUND" || Issue == "INVALID_RESOURCE_ID";

    /// <summary>PayPal refused our credentials or token even after one fresh token: a configuration fault.</summary>
    public bool IsAuthentication => HttpStatus == 401 || Name is "AUTHENTICATION_FAILURE" or "invalid_client";

    /// <summary>PayPal is off (<c>Paypal:BaseUrl</c> empty).</summary>
    public static PaypalException NotConfigured(string operation) =>
        new(PaypalErrorCategory.Final, operation, null, "NOT_CONFIGURED", null, null, "PayPal is not configured (Paypal:BaseUrl is empty).");
}

/// <summary>PayPal's error codes by meaning, in one place (see docs/paypal.md, "Errors").</summary>
public static class PaypalErrors
{
    /// <summary>Wait and send again with the same request id.</summary>
    private static readonly HashSet<string> Retry = new(StringComparer.Ordinal)
    {
        "RATE_LIMIT_REACHED", "ORDER_COMPLETION_IN_PROGRESS", "PREVIOUS_REQUEST_IN_PROGRESS", "ORDER_IS_PENDING_APPROVAL",
        "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "RESOURCE_CONFLICT",
    };

    /// <summary>The payer's choice of funding failed or is missing: back to PayPal to choose again (or approve at all).</summary>
    private static readonly HashSet<string> SendPayerBack = new(StringComparer.Ordinal)
    {
        "INSTRUMENT_DECLINED", "PAYER_ACTION_REQUIRED", "REDIRECT_PAYER_FOR_ALTERNATE_FUNDING", "ORDER_NOT_APPROVED",
        "PAYER_CANNOT_PAY", "PAYER_ACCOUNT_RESTRICTED", "PAYER_ACCOUNT_LOCKED_OR_CLOSED",
    };

    /// <summary>The step already happened (or the object moved past it): read it and go on from its state.</summary>
    private static readonly HashSet<string> AlreadyDone = new(StringComparer.Ordinal)
    {
        "ORDER_ALREADY_CAPTURED", "ORDER_ALREADY_AUTHORIZED", "ORDER_ALREADY_COMPLETED", "PREVIOUSLY_CAPTURED",
        "AUTHORIZATION_ALREADY_CAPTURED", "PREVIOUSLY_VOIDED",
    };

    /// <summary>
    /// The category of an answer: by the issue first (PayPal's fine-grained code), then the error name, then the
    /// status. No answer (network, timeout), 5xx, 408 and 429 are <see cref="PaypalErrorCategory.Retry"/>; any other
    /// 4xx not listed is <see cref="PaypalErrorCategory.Final"/> (<c>DECIMAL_PRECISION</c>, <c>REFUND_AMOUNT_EXCEEDED</c>,
    /// <c>AUTHORIZATION_EXPIRED</c>, <c>PENDING_CAPTURE</c>, …).
    /// </summary>
    public static PaypalErrorCategory Categorize(int? httpStatus, string? name, string? issue)
    {
        foreach (var code in new[] { issue, name })
        {
            if (code is null)
                continue;
            if (AlreadyDone.Contains(code))
                return PaypalErrorCategory.AlreadyDone;
            if (SendPayerBack.Contains(code))
                return PaypalErrorCategory.SendPayerBack;
            if (Retry.Contains(code))
                return PaypalErrorCategory.Retry;
        }
        return httpStatus switch
        {
            null or 408 or 429 or >= 500 => PaypalErrorCategory.Retry,
            _ => PaypalErrorCategory.Final,
        };
    }
}
