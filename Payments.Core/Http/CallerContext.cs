using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Payments.Core.Http;

/// <summary>
/// The caller a door authenticated for this request (the Host's authentication handler, the Functions
/// app's policy middleware), kept on the HttpContext for the route's handler.
/// </summary>
public static class CallerContext
{
    private const string Key = "Payments.Caller";
    public const string AdminClaim = "payments:admin";

    public static void SetCaller(this HttpContext context, Caller caller, string scheme)
    {
        context.Items[Key] = caller;
        context.User = ToPrincipal(caller, scheme);
    }

    /// <summary>The authenticated caller; a route that reads it without a user or admin policy is a bug, answered 500.</summary>
    public static Caller Caller(this HttpContext context) =>
        context.Items.TryGetValue(Key, out var caller) && caller is Caller found
            ? found
            : throw new InvalidOperationException($"No authenticated caller for {context.Request.Path}: its route must declare ForUsers() or ForAdmins().");

    public static ClaimsPrincipal ToPrincipal(Caller caller, string scheme)
    {
        var claims = new List<Claim> { new("sub", caller.UserId) };
        if (caller.Email is { } email)
            claims.Add(new Claim("email", email));
        claims.AddRange(caller.Roles.Select(r => new Claim("role", r)));
        if (caller.IsAdmin)
            claims.Add(new Claim(AdminClaim, "true"));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, "sub", "role"));
    }
}
