using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using Payments.Core.Http;

namespace Payments.Functions;

/// <summary>
/// Every function is Anonymous to the Functions host, so each HTTP invocation passes Core's
/// <see cref="RoutePolicyGate"/> with its route's declared policy (<see cref="RoutePolicyTable"/>, the Host's own
/// declarations, by route name). Queue and timer functions pass through.
/// </summary>
public sealed partial class RoutePolicyMiddleware(Lazy<RoutePolicyTable> table, RoutePolicyGate gate, ILogger<RoutePolicyMiddleware> logger)
    : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http)
        {
            await next(context);
            return;
        }
        var policy = table.Value.For(context.FunctionDefinition.Name);
        if (policy is null)
            LogUndeclared(logger, context.FunctionDefinition.Name);
        if (await gate.AdmitAsync(http, policy, http.RequestAborted) is { } refusal)
        {
            await refusal.ExecuteAsync(http);
            return;
        }
        await next(context);
    }

    [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "Function {FunctionName} has no route policy declared in Core: it is not served")]
    private static partial void LogUndeclared(ILogger logger, string functionName);
}
