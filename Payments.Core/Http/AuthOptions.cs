namespace Payments.Core.Http;

/// <summary>
/// Bearer token validation. Production sets <see cref="MetadataAddress"/> (an OIDC issuer's
/// .well-known document); development and tests set <see cref="DevelopmentSigningKey"/>.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public string Issuer { get; set; } = "https://payments.local/dev";
    public string Audience { get; set; } = "payments-api";
    public string? MetadataAddress { get; set; }
    /// <summary>HMAC key (at least 32 characters) for locally minted tokens. Never set in production.</summary>
    public string? DevelopmentSigningKey { get; set; }
    public string AdminRole { get; set; } = "admin";
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(2);
}
