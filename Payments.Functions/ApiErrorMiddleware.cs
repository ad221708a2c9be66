using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using Payments.Core.Http;

namespace Payments.Functions;

/// <summary>
/// The Functions door's side of Core's one error mapper (<see cref="Api"/>): an exception escaping an HTTP
/// function (a bad body, a missing Idempotency-Key, a use case's refusal, a Stripe failure) is answered as the
/// Host answers it. Queue and timer functions are left to fail, so Service Bus redelivers.
/// </summary>
public sealed class ApiErrorMiddleware(ILoggerFactory loggers) : IFunctionsWorkerMiddleware
{
    private readonly ILogger _logger = loggers.CreateLogger("Payments.Api");

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (context.GetHttpContext() is { } http)
        {
            if (!await Api.AnswerAsync(Unwrap(ex), http, _logger))
                throw;
        }
    }

    /// <summary>The function's own exception, whatever the invoker wrapped it in.</summary>
    private static Exception Unwrap(Exception ex)
    {
        while (ex is AggregateException or TargetInvocationException && ex.InnerException is { } inner)
            ex = inner;
        return ex;
    }
}
