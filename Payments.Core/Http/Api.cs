using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Payments.Core.Stripe;

namespace Payments.Core.Http;

/// <summary>
/// Wraps every endpoint body: known failures become problem+json, nothing else leaks out. An
/// exception nothing expected is logged and answered here too, so both doors (the Host's exception
/// handler, the Functions worker) give the same 500 <c>internal_error</c> problem.
/// </summary>
public static partial class Api
{
    public static async Task<IResult> Run(HttpRequest request, Func<Task<IResult>> body)
    {
        try
        {
            return await body();
        }
        catch (ApiErrorException ex)
        {
            return ProblemMapper.ToResult(ex.Error);
        }
        catch (PaymentProviderException ex)
        {
            LogProvider(Logger(request), ex);
            return ProblemMapper.ToResult(ProblemMapper.FromProvider(ex));
        }
        catch (RequestFailedException ex)
        {
            LogStorage(Logger(request), ex, ex.Status);
            return ProblemMapper.ToResult(ApiErrors.Busy());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogUnhandled(Logger(request), ex, request.Path);
            return ProblemMapper.ToResult(ApiErrors.Internal());
        }
    }

    private static ILogger Logger(HttpRequest request) =>
        request.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Payments.Api");

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
