using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Payments.PaypalEmulator;

/// <summary>
/// <c>POST /v1/oauth2/token</c>: HTTP Basic <c>client_id:secret</c> checked against the configured app, form
/// body <c>grant_type=client_credentials</c>. Errors are OAuth-shaped (<c>{error, error_description}</c>), as PayPal
/// answers them: 401 <c>invalid_client</c>, 400 <c>unsupported_grant_type</c>.
/// </summary>
internal static class OAuth
{
    /// <summary>The scopes a REST app with PayPal checkout and webhooks gets (a subset of what PayPal lists).</summary>
    private const string Scope =
        "https://uri.paypal.com/services/payments/payment/authcapture https://uri.paypal.com/services/payments/refund " +
        "https://uri.paypal.com/services/applications/webhooks https://uri.paypal.com/services/payments/realtimepayment " +
        "https://uri.paypal.com/services/payments/orders/client_sdk_orders_api openid";

    public static void Map(IEndpointRouteBuilder app) => app.MapPost("/v1/oauth2/token", IssueAsync);

    private static async Task<IResult> IssueAsync(HttpContext http, EmulatorState state)
    {
        var debugId = Ids.DebugId();
        http.Response.Headers["Paypal-Debug-Id"] = debugId;
        var result = await AnswerAsync(http, state);
        state.Requests.Add(new RequestRecord("POST", "/v1/oauth2/token", null, false, result.Status, debugId, result.Error));
        return Results.Text(result.Body.ToJsonString(Json.Options), "application/json", statusCode: result.Status);
    }

    private static async Task<(int Status, JsonObject Body, string? Error)> AnswerAsync(HttpContext http, EmulatorState state)
    {
        if (!Authenticated(http.Request.Headers.Authorization.FirstOrDefault(), state.Client))
        {
            return (StatusCodes.Status401Unauthorized, Error("invalid_client", "Client Authentication failed"), "invalid_client");
        }

        string? grantType = null;
        if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            grantType = form["grant_type"].FirstOrDefault();
        }

        if (string.IsNullOrEmpty(grantType))
        {
            return (StatusCodes.Status400BadRequest, Error("unsupported_grant_type", "Grant Type is NULL"), "unsupported_grant_type");
        }

        if (grantType != "client_credentials")
        {
            return (StatusCodes.Status400BadRequest, Error("unsupported_grant_type", "unsupported grant_type"), "unsupported_grant_type");
        }

        var (token, expiresIn) = state.Tokens.Issue(state.Client.ClientId);
        var body = new JsonObject
        {
            ["scope"] = Scope,
            ["access_token"] = token,
            ["token_type"] = "Bearer",
            ["app_id"] = state.Client.AppId,
            ["expires_in"] = expiresIn,
            ["nonce"] = Ids.Nonce(state.Clock.Now),
        };
        return (StatusCodes.Status200OK, body, null);
    }

    private static JsonObject Error(string error, string description) => new() { ["error"] = error, ["error_description"] = description };

    /// <summary>Basic credentials equal to the configured id and secret (compared in constant time).</summary>
    private static bool Authenticated(string? header, ClientCredentials client)
    {
        if (!AuthenticationHeaderValue.TryParse(header, out var value)
            || !string.Equals(value.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            || value.Parameter is null)
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value.Parameter));
        }
        catch (FormatException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }

        var idOk = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(decoded[..colon]), Encoding.UTF8.GetBytes(client.ClientId));
        var secretOk = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(decoded[(colon + 1)..]), Encoding.UTF8.GetBytes(client.Secret));
        return idOk && secretOk;
    }
}
