namespace Payments.Core.Http;

/// <summary>The authenticated caller. The user id comes from the token's <c>sub</c>, never a body.</summary>
public sealed record Caller(string UserId, string? Email, IReadOnlySet<string> Roles, string AdminRole)
{
    public bool IsAdmin => Roles.Contains(AdminRole);
}
