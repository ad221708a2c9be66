using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Payments.Core.Paypal;
using Payments.Core.Stripe;

namespace Payments.Core.Http;

/// <summary>The one place where an <see cref="ApiError"/> becomes an HTTP answer.</summary>
public static class ProblemMapper
{
    /// <summary>The same problem as JSON text, for answers that are stored and replayed.</summary>
    public static StoredResponse Stored(ApiError error)
    {
        var body = new Dictionary<string, object?>
        {
            ["type"] = $"https://payments.dev/problems/{error.Code}",
            ["title"] = error.Title,
            ["status"] = error.Status,
            ["code"] = error.Code,
        };
        if (error.Field is not null)
            body["field"] = error.Field;
        foreach (var (key, value) in error.Extensions)
            body[key] = value;
        return new StoredResponse(error.Status, "application/problem+json", System.Text.Json.JsonSerializer.Serialize(body, JsonBody.Options));
    }

    public static IResult ToResult(StoredResponse response) =>
        Results.Text(response.Body, response.ContentType, System.Text.Encoding.UTF8, response.Status);

    /// <summary>
    /// A Stripe failure no use case handled, by what it means for the client: a card refused (402),
    /// a request Stripe will refuse again (4xx with our code and Stripe's <c>param</c> as the field),
    /// an idempotency conflict (409/422), or a transient failure (502/503 with Retry-After). A Stripe
    /// 4xx never reads as "try again".
    /// </summary>
    public static ApiError FromProvider(PaymentProviderException ex) => ex switch
    {
        { Failure: PaymentProviderFailure.Card } => ApiErrors.CardDeclined(ex.Code, ex.DeclineCode, ex.Message),
        { Code: "idempotency_key_in_use" } => IdempotentRequests.InProgress() with { RetryAfterSeconds = 1 },
        { Failure: PaymentProviderFailure.Idempotency } =>
            new(422, "payment_provider_idempotency_conflict", "The payment provider saw this operation before with other details; nothing was changed."),
        { Failure: PaymentProviderFailure.RateLimited } => ApiErrors.Busy(),
        { Failure: PaymentProviderFailure.Unavailable } => ApiErrors.PaymentProviderUnavailable(),
        { Failure: PaymentProviderFailure.Authentication } =>
            new(502, "payment_provider_misconfigured", "The payment provider refused our credentials; operators have been alerted. Retrying will not help."),
        { Code: "payment_intent_unexpected_state" or "charge_not_refundable" or "charge_disputed" } =>
            new(409, "invalid_state", "The payment is not in a state that allows this."),
        { Code: "charge_already_refunded" } => new(422, "refund_exceeds_captured", "Nothing is left to refund.", "amount"),
        { Code: "amount_too_small" } => new(422, "amount_too_small", "The amount is below the payment provider's minimum for the currency.", ex.Param ?? "amount"),
        { Code: "amount_too_large" } => new(422, "amount_too_large", "The amount is above what the payment provider allows here.", ex.Param ?? "amount"),
        { Failure: PaymentProviderFailure.NotFound } =>
            new(422, "payment_provider_object_missing", "The payment provider has no such object.", ex.Param),
        _ => new(422, "payment_provider_rejected", "The payment provider refused this request; it will refuse it again unchanged.", ex.Param)
        {
            Extensions = new Dictionary<string, object?> { ["providerCode"] = ex.Code },
        },
    };

    /// <summary>
    /// A PayPal failure no use case handled, by its category (<see cref="PaypalErrors"/>): try again (502 with
    /// Retry-After), the payer must approve again (402), the step already happened (409), or refused for good (422
    /// with PayPal's issue as <c>providerCode</c>). Our credentials refused, or PayPal switched off, is ours to fix (502).
    /// </summary>
    public static ApiError FromPaypal(PaypalException ex) => ex switch
    {
        { Name: "NOT_CONFIGURED" } => new(502, "payment_provider_misconfigured", "PayPal is not configured here; operators have been alerted. Retrying will not help."),
        { IsAuthentication: true } =>
            new(502, "payment_provider_misconfigured", "The payment provider refused our credentials; operators have been alerted. Retrying will not help."),
        { Category: PaypalErrorCategory.Retry } => ApiErrors.PaymentProviderUnavailable(),
        { Category: PaypalErrorCategory.SendPayerBack } => new(402, "paypal_payer_action_required", "The payer must approve the payment at PayPal again.")
        {
            Extensions = new Dictionary<string, object?> { ["providerCode"] = ex.Issue ?? ex.Name },
        },
        { Category: PaypalErrorCategory.AlreadyDone } => new(409, "invalid_state", "The payment is not in a state that allows this."),
        { IsNotFound: true } => new(422, "payment_provider_object_missing", "The payment provider has no such object."),
        _ => new(422, "payment_provider_rejected", "The payment provider refused this request; it will refuse it again unchanged.")
        {
            Extensions = new Dictionary<string, object?> { ["providerCode"] = ex.Issue ?? ex.Name },
        },
    };

    public static IResult ToResult(ApiError error)
    {
        var problem = new ProblemDetails
        {
            Status = error.Status,
            Title = error.Title,
            Type = $"https://payments.dev/problems/{error.Code}",
        };
        problem.Extensions["code"] = error.Code;
        if (error.Field is not null)
            problem.Extensions["field"] = error.Field;
        foreach (var (key, value) in error.Extensions)
            problem.Extensions[key] = value;
        var result = TypedResults.Problem(problem);
        return error.RetryAfterSeconds is { } seconds ? new WithRetryAfter(result, seconds) : result;
    }

    private sealed class WithRetryAfter(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
