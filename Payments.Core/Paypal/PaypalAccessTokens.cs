using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Payments.Core.Paypal;

/// <summary>
/// The OAuth2 client-credentials token (<c>POST /v1/oauth2/token</c>), one per process: cached until
/// <see cref="PaypalOptions.TokenRefreshMargin"/> before PayPal's <c>expires_in</c> (PayPal rate-limits token
/// requests and asks integrators to cache), fetched by one caller at a time while the others wait for it, and
/// replaced once when PayPal refuses it (<see cref="RenewAsync"/>). The token and the secret are never logged.
/// </summary>
public sealed partial class PaypalAccessTokens(
    IHttpClientFactory httpClients, IOptions<PaypalOptions> options, TimeProvider clock, ILogger<PaypalAccessTokens> logger) : IDisposable
{
    /// <summary>The named HttpClient of the token endpoint: the same retries and metrics, no bearer token.</summary>
    public const string HttpClientName = "Paypal.Token";
    public const string Operation = "oauth2.token";

    private readonly SemaphoreSlim _fetching = new(1, 1);
    private volatile Cached? _current;

    private sealed record Cached(string Token, DateTimeOffset RenewAt);

    /// <summary>A token that is not about to expire.</summary>
    public async Task<string> GetAsync(CancellationToken ct)
    {
        if (_current is { } cached && clock.GetUtcNow() < cached.RenewAt)
            return cached.Token;
        await _fetching.WaitAsync(ct);
        try
        {
            // Another caller may have fetched it while this one waited.
            if (_current is { } fresh && clock.GetUtcNow() < fresh.RenewAt)
                return fresh.Token;
            return (_current = await FetchAsync(ct)).Token;
        }
        finally
        {
            _fetching.Release();
        }
    }

    /// <summary>
    /// PayPal refused <paramref name="rejected"/> (401): a new token, unless another caller already replaced it,
    /// in which case that one. Many requests failing with one token at once cause one fetch.
    /// </summary>
    public async Task<string> RenewAsync(string rejected, CancellationToken ct)
    {
        await _fetching.WaitAsync(ct);
        try
        {
            if (_current is { } current && current.Token != rejected && clock.GetUtcNow() < current.RenewAt)
                return current.Token;
            LogRenewing(logger);
            return (_current = await FetchAsync(ct)).Token;
        }
        finally
        {
            _fetching.Release();
        }
    }

    private async Task<Cached> FetchAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (!o.IsConfigured)
            throw PaypalException.NotConfigured(Operation);
        var http = httpClients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(o.BaseUrl!), "/v1/oauth2/token"))
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{o.ClientId}:{o.ClientSecret}")));
        request.Options.Set(PaypalCallMetrics.OperationKey, Operation);

        var requestedAt = clock.GetUtcNow();
        using var response = await PaypalClient.SendAsync(http, request, Operation, logger, ct);
        var token = await response.Content.ReadFromJsonAsync<PaypalWire.Token>(PaypalWire.Json, ct);
        if (string.IsNullOrEmpty(token?.AccessToken) || token.ExpiresIn is not > 0)
            throw new PaypalException(PaypalErrorCategory.Retry, Operation, (int)response.StatusCode, null, null, null, "PayPal's token answer has no access_token or expires_in.");

        var life = TimeSpan.FromSeconds(token.ExpiresIn.Value);
        var margin = o.TokenRefreshMargin < life / 2 ? o.TokenRefreshMargin : life / 2;
        LogObtained(logger, (long)life.TotalSeconds);
        return new Cached(token.AccessToken, requestedAt + life - margin);
    }

    public void Dispose() => _fetching.Dispose();

    [LoggerMessage(EventId = 1403, Level = LogLevel.Information, Message = "PayPal access token obtained, valid for {ExpiresInSeconds} s")]
    private static partial void LogObtained(ILogger logger, long expiresInSeconds);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Warning, Message = "PayPal refused our access token (401); fetching a new one and sending once more")]
    private static partial void LogRenewing(ILogger logger);
}
