using System.Text.Json.Nodes;
using Payments.StandIns.Common;

namespace Payments.PaypalEmulator;

/// <summary>The REST app the emulator knows: <c>--Client:Id</c>, <c>--Client:Secret</c> (and the app id it reports).</summary>
internal sealed record ClientCredentials(string ClientId, string Secret, string AppId)
{
    public const string DefaultId = "emulator-client-id";
    public const string DefaultSecret = "emulator-client-secret";

    public static ClientCredentials From(IConfiguration configuration) => new(
        configuration["Client:Id"] is { Length: > 0 } id ? id : DefaultId,
        configuration["Client:Secret"] is { Length: > 0 } secret ? secret : DefaultSecret,
        configuration["Client:AppId"] is { Length: > 0 } app ? app : "APP-80W284485P519543T");
}

/// <summary>Why a bearer token was refused.</summary>
internal enum TokenProblem
{
    Missing,
    Unknown,
    Expired,
}

/// <summary>A 401 for an API call, shaped as PayPal answers each case.</summary>
internal sealed class TokenRejectedException(TokenProblem problem) : Exception(problem.ToString())
{
    public TokenProblem Problem { get; } = problem;

    public JsonObject ToJson() => Problem switch
    {
        TokenProblem.Missing => new JsonObject
        {
            ["name"] = "AUTHENTICATION_FAILURE",
            ["message"] = "Authentication failed due to invalid authentication credentials or a missing Authorization header.",
            ["links"] = new JsonArray(new JsonObject { ["href"] = "https://developer.paypal.com/docs/api/overview/#error", ["rel"] = "information_link" }),
        },
        TokenProblem.Expired => new JsonObject { ["error"] = "invalid_token", ["error_description"] = "Access Token not found in cache" },
        _ => new JsonObject { ["error"] = "invalid_token", ["error_description"] = "Token signature verification failed" },
    };
}

/// <summary>
/// Access tokens from <c>POST /v1/oauth2/token</c>. A token lives <c>--Token:ExpiresIn</c> seconds (default 32400,
/// PayPal's nine hours) on the emulator's clock. Asking again while the client's token is still valid answers that
/// same token with the seconds it has left, as PayPal does, so a client that refreshes "shortly before expiry"
/// can be handed a token that has only moments to live.
/// </summary>
internal sealed class TokenStore(EmulatorClock clock, TimeSpan lifetime)
{
    private readonly Lock sync = new();
    private readonly Dictionary<string, (string ClientId, DateTimeOffset ExpiresAt)> tokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> current = new(StringComparer.Ordinal);

    public TimeSpan Lifetime { get; } = lifetime;

    public (string Token, long ExpiresIn) Issue(string clientId)
    {
        var now = clock.Now;
        lock (sync)
        {
            if (current.TryGetValue(clientId, out var existing) && tokens.TryGetValue(existing, out var entry))
            {
                var left = (long)Math.Floor((entry.ExpiresAt - now).TotalSeconds);
                if (left >= 1)
                {
                    return (existing, left);
                }
            }

            var token = Ids.AccessToken();
            tokens[token] = (clientId, now + Lifetime);
            current[clientId] = token;
            return (token, (long)Lifetime.TotalSeconds);
        }
    }

    /// <summary>The client the token belongs to; throws <see cref="TokenRejectedException"/> otherwise.</summary>
    public string Authenticate(string? authorization)
    {
        if (string.IsNullOrWhiteSpace(authorization) || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            throw new TokenRejectedException(TokenProblem.Missing);
        }

        var token = authorization["Bearer ".Length..].Trim();
        lock (sync)
        {
            if (!tokens.TryGetValue(token, out var entry))
            {
                throw new TokenRejectedException(TokenProblem.Unknown);
            }

            if (clock.Now >= entry.ExpiresAt)
            {
                throw new TokenRejectedException(TokenProblem.Expired);
            }

            return entry.ClientId;
        }
    }

    /// <summary>Every token issued so far stops working (a control call: PayPal may drop a token before its time).</summary>
    public int ExpireAll()
    {
        var now = clock.Now;
        lock (sync)
        {
            foreach (var token in tokens.Keys.ToList())
            {
                tokens[token] = (tokens[token].ClientId, now);
            }

            return tokens.Count;
        }
    }

    public void Clear()
    {
        lock (sync)
        {
            tokens.Clear();
            current.Clear();
        }
    }
}
