using Microsoft.AspNetCore.Http;

namespace Payments.Core.Http;

/// <summary>
/// A route's declared policy applied to one request outside ASP.NET Core authorization (the Functions app,
/// whose functions are all Anonymous to the Functions host): the same validator and the same 401/403 problems
/// as the Host's scheme. A route with no declared policy is refused (500): it must not be served.
/// </summary>
public sealed class RoutePolicyGate(RequestAuthenticator authenticator)
{
    /// <returns>Null to go on (the caller set on the context for user and admin routes); else the answer to give instead.</returns>
    public async Task<IResult?> AdmitAsync(HttpContext http, RoutePolicy? policy, CancellationToken ct)
    {
        switch (policy)
        {
            case RoutePolicy.Anonymous:
                return null;
            case null:
                return ProblemMapper.ToResult(ApiErrors.Internal());
        }
        Caller caller;
        try
        {
            caller = await authenticator.AuthenticateAsync(http.Request, ct);
        }
        catch (ApiErrorException refused)
        {
            return ProblemMapper.ToResult(refused.Error);
        }
        if (policy == RoutePolicy.Admin && !caller.IsAdmin)
            return ProblemMapper.ToResult(ApiErrors.Forbidden());
        http.SetCaller(caller, BearerAuthenticationHandler.SchemeName);
        return null;
    }
}
