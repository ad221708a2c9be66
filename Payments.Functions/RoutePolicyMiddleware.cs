using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using Payments.Core.Http;

namespace Payments.Functions;

/// <summary>
/// The Functions app's side of the route policies: every function is Anonymous to the Functions host, so
/// each HTTP invocation is checked here against its route's declared policy (<see cref="RoutePolicyTable"/>,
/// the Host's own declarations), with the same validator and the same 401/403 problems as the Host. A
/// function whose route declares no policy is not served (500). Queue and timer functions pass through.
/// </summary>
public sealed partial class RoutePolicyMiddleware(Lazy<RoutePolicyTable> table, RequestAuthenticator authenticator, ILogger<RoutePolicyMiddleware> logger)
    : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http)
        {
            await next(context);
            return;
        }
        switch (table.Value.For(context.FunctionDefinition.Name))
        {
            case RoutePolicy.Anonymous:
                await next(context);
                return;
            case null:
                LogUndeclared(logger, context.FunctionDefinition.Name);
                await ProblemMapper.ToResult(ApiErrors.Internal()).ExecuteAsync(http);
                return;
            case var policy:
                Caller caller;
                try
                {
                    caller = await authenticator.AuthenticateAsync(http.Request, http.RequestAborted);
                }
                catch (ApiErrorException refused)
                {
                    await ProblemMapper.ToResult(refused.Error).ExecuteAsync(http);
                    return;
                }
                if (policy == RoutePolicy.Admin && !caller.IsAdmin)
                {
                    await ProblemMapper.ToResult(ApiErrors.Forbidden()).ExecuteAsync(http);
                    return;
                }
                http.SetCaller(caller, BearerAuthenticationHandler.SchemeName);
                await next(context);
                return;
        }
    }

    [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "Function {FunctionName} has no route policy declared in Core: it is not served")]
    private static partial void LogUndeclared(ILogger logger, string functionName);
}
