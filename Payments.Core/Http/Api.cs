using Azure;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Payments.Core.Paypal;
using Payments.Core.Stripe;

namespace Payments.Core.Http;

/// <summary>
/// The one place an exception escaping a route becomes an answer, for both doors (the Host's exception
/// handler, the Functions worker's middleware): known failures become their problem+json, anything else is
/// logged and answered 500 <c>internal_error</c>. Routes just throw; bodies, keys and callers are bound
/// before the route runs and throw the same way.
/// </summary>
public static partial class Api
{
    /// <summary>The problem for <paramref name="ex"/>, or null for a cancelled request (nobody is listening).</summary>
    public static ApiError? ProblemFor(Exception ex, HttpContext context, ILogger logger)
    {
        switch (ex)
        {
            case ApiErrorException known:
                return known.Error;
            case PaymentProviderException provider:
                LogProvider(logger, provider);
                return ProblemMapper.FromProvider(provider);
            case PaypalException paypal:
                // PaypalClient logged PayPal's answer (name, issue, debug_id) when it came.
                return ProblemMapper.FromPaypal(paypal);
            case RequestFailedException storage:
                LogStorage(logger, storage, storage.Status);
                return ApiErrors.Busy();
            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                return null;
            default:
                LogUnhandled(logger, ex, context.Request.Path);
                return ApiErrors.Internal();
        }
    }

    /// <summary>Answers <paramref name="ex"/> on <paramref name="context"/>; false when there is nothing to answer.</summary>
    public static async Task<bool> AnswerAsync(Exception ex, HttpContext context, ILogger logger)
    {
        if (ProblemFor(ex, context, logger) is not { } error)
            return false;
        await ProblemMapper.ToResult(error).ExecuteAsync(context);
        return true;
    }

    /// <summary>Stripe's own words and request id; never the request's values (they could be card data).</summary>
    public static void LogProvider(ILogger logger, PaymentProviderException ex) =>
        LogProviderFailure(logger, ex.Failure.ToString(), ex.ErrorType, ex.Code, ex.DeclineCode, ex.Param, ex.HttpStatus, ex.RequestId, ex.Replayed, ex.Message);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning,
        Message = "Stripe call failed: {Failure} (type {StripeErrorType}, code {StripeCode}, decline code {DeclineCode}, param {Param}, status {HttpStatus}, request {StripeRequestId}, replayed {Replayed}): {StripeMessage}")]
    private static partial void LogProviderFailure(ILogger logger, string failure, string? stripeErrorType, string? stripeCode, string? declineCode,
        string? param, int? httpStatus, string? stripeRequestId, bool replayed, string stripeMessage);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Storage call failed with status {Status}")]
    private static partial void LogStorage(ILogger logger, Exception ex, int status);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "Unhandled exception answering {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception ex, string path);
}

/// <summary>The Host's side of <see cref="Api"/>: registered with <c>AddExceptionHandler</c>, run by <c>UseExceptionHandler</c>.</summary>
public sealed class ApiExceptionHandler(ILoggerFactory loggers) : IExceptionHandler
{
    private readonly ILogger _logger = loggers.CreateLogger("Payments.Api");

    public ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken) =>
        new(Api.AnswerAsync(exception, httpContext, _logger));
}
