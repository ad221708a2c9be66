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
            LogProvider(Logger(request), ex.Failure.ToString(), ex.Code);
            return ProblemMapper.ToResult(ex.Failure switch
            {
                PaymentProviderFailure.RateLimited => ApiErrors.Busy(),
                _ => ApiErrors.PaymentProviderUnavailable(),
            });
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

    public static string RequestIdOrNew(HttpRequest request) =>
        request.Headers["Idempotency-Key"].ToString() is { Length: > 0 and <= 100 } key ? key : Guid.NewGuid().ToString("n");

    private static ILogger Logger(HttpRequest request) =>
        request.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Payments.Api");

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Stripe call failed: {Failure} {Code}")]
    private static partial void LogProvider(ILogger logger, string failure, string? code);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Storage call failed with status {Status}")]
    private static partial void LogStorage(ILogger logger, Exception ex, int status);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "Unhandled exception answering {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception ex, string path);
}
