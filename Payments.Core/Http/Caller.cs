using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace Payments.Core.Http;

/// <summary>
/// The authenticated caller. The user id comes from the token's <c>sub</c>, never a body. Routes take it
/// as a parameter: the door's authentication put it on the request before the route ran.
/// </summary>
public sealed record Caller(string UserId, string? Email, IReadOnlySet<string> Roles, string AdminRole) : IBindableFromHttpContext<Caller>
{
    public bool IsAdmin => Roles.Contains(AdminRole);

    public static ValueTask<Caller?> BindAsync(HttpContext context, ParameterInfo parameter) => ValueTask.FromResult<Caller?>(context.Caller());
}
