using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Payments.Core.Http;

/// <summary>
/// The Host's authentication scheme: the bearer JWT checked by <see cref="RequestAuthenticator"/> (Microsoft's
/// JsonWebTokenHandler, as JwtBearer uses), so that the Host and the Functions app accept exactly the same
/// tokens through one validator; 401 and 403 are our problem+json.
/// </summary>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, RequestAuthenticator authenticator)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers.Authorization.Count == 0)
            return AuthenticateResult.NoResult();
        try
        {
            var caller = await authenticator.AuthenticateAsync(Request, Context.RequestAborted);
            Context.SetCaller(caller, SchemeName);
            return AuthenticateResult.Success(new AuthenticationTicket(Context.User, SchemeName));
        }
        catch (ApiErrorException)
        {
            return AuthenticateResult.Fail("The bearer token is not valid.");
        }
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        ProblemMapper.ToResult(ApiErrors.Unauthenticated()).ExecuteAsync(Context);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ProblemMapper.ToResult(ApiErrors.Forbidden()).ExecuteAsync(Context);
}

public static class BearerAuthentication
{
    /// <summary>The Host's authentication and the two policies routes declare (<see cref="RoutePolicies"/>); anything undeclared needs a user.</summary>
    public static IServiceCollection AddPaymentsAuthorization(this IServiceCollection services)
    {
        services.AddAuthentication(BearerAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, _ => { });
        services.AddAuthorizationBuilder()
            .AddPolicy(RoutePolicies.UserPolicy, p => p.RequireAuthenticatedUser())
            .AddPolicy(RoutePolicies.AdminPolicy, p => p.RequireAuthenticatedUser().RequireClaim(CallerContext.AdminClaim, "true"))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return services;
    }
}
