using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Payments.Core.Http;

/// <summary>
/// Validates the bearer JWT inside Core rather than in host middleware, so the Functions app and
/// the Host accept exactly the same callers.
/// </summary>
public sealed partial class RequestAuthenticator
{
    private readonly AuthOptions _options;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _metadata;
    private readonly ILogger<RequestAuthenticator> _logger;

    public RequestAuthenticator(IOptions<AuthOptions> options, ILogger<RequestAuthenticator> logger)
    {
        _options = options.Value;
        _logger = logger;
        if (!string.IsNullOrWhiteSpace(_options.MetadataAddress))
            _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(
                _options.MetadataAddress, new OpenIdConnectConfigurationRetriever(), new HttpDocumentRetriever { RequireHttps = true });
        else if (string.IsNullOrWhiteSpace(_options.DevelopmentSigningKey) || _options.DevelopmentSigningKey.Length < 32)
            throw new InvalidOperationException("Auth needs either Auth:MetadataAddress or an Auth:DevelopmentSigningKey of at least 32 characters.");
    }

    public async Task<Caller> AuthenticateAsync(HttpRequest request, CancellationToken ct)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            throw ApiErrors.Unauthenticated().ToException();

        var parameters = await ValidationParametersAsync(ct);
        var result = await _handler.ValidateTokenAsync(header["Bearer ".Length..].Trim(), parameters);
        if (!result.IsValid)
        {
            var reason = result.Exception?.GetType().Name ?? "invalid";
            LogRejected(_logger, reason);
            throw ApiErrors.Unauthenticated().ToException();
        }

        var claims = result.ClaimsIdentity;
        var subject = claims.FindFirst("sub")?.Value;
        if (!UserIds.IsValid(subject))
            throw ApiErrors.Unauthenticated().ToException();

        var roles = claims.FindAll("roles").Concat(claims.FindAll("role")).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        return new Caller(subject!, claims.FindFirst("email")?.Value, roles, _options.AdminRole);
    }

    public async Task<Caller> AuthenticateAdminAsync(HttpRequest request, CancellationToken ct)
    {
        var caller = await AuthenticateAsync(request, ct);
        return caller.IsAdmin ? caller : throw ApiErrors.Forbidden().ToException();
    }

    private async Task<TokenValidationParameters> ValidationParametersAsync(CancellationToken ct)
    {
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = _options.ClockSkew,
        };
        if (_metadata is not null)
        {
            var config = await _metadata.GetConfigurationAsync(ct);
            parameters.IssuerSigningKeys = config.SigningKeys;
        }
        else
        {
            parameters.IssuerSigningKey = DevelopmentTokens.SigningKey(_options.DevelopmentSigningKey!);
        }
        return parameters;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Bearer token rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);
}

/// <summary>Mints tokens signed with the development key, for local runs and tests.</summary>
public static class DevelopmentTokens
{
    public static SymmetricSecurityKey SigningKey(string key) => new(Encoding.UTF8.GetBytes(key));

    public static string Mint(AuthOptions options, string userId, IEnumerable<string>? roles = null, string? email = null, TimeSpan? lifetime = null)
    {
        if (string.IsNullOrWhiteSpace(options.DevelopmentSigningKey))
            throw new InvalidOperationException("Auth:DevelopmentSigningKey is not set.");
        var claims = new Dictionary<string, object> { ["sub"] = userId };
        var roleList = roles?.ToArray() ?? [];
        if (roleList.Length > 0)
            claims["roles"] = JsonSerializer.SerializeToElement(roleList);
        if (email is not null)
            claims["email"] = email;
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromHours(8)),
            SigningCredentials = new SigningCredentials(SigningKey(options.DevelopmentSigningKey), SecurityAlgorithms.HmacSha256),
        });
    }
}
